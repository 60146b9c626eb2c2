#include "stages/api/playground/playground_runner.h"

#include "base/clock.h"
#include "base/crypto/secrets.h"
#include "base/hex.h"
#include "base/log.h"
#include "stages/api/playground/providers/http_transport.h"
#include "stages/api/pricing/llm_cost.h"
#include "stages/api/pricing/price_source.h"

namespace spanline::api::playground {
namespace {

// How long a run waits for its reader to take an event before treating it as gone.
constexpr auto kSlowReaderWait = std::chrono::seconds(5);
// Most bytes of an error answer kept to classify it (its message is what matters).
constexpr size_t kMaxErrorBody = 64 << 10;
// Retry-After of a user's 429: runs take seconds, so one ends soon.
constexpr const char* kPerUserRetryAfter = "5";

std::string random_id(size_t bytes) {
  std::string id = auth::random_bytes(bytes);
  if (id.find_first_not_of('\0') == std::string::npos) id[0] = 1;  // OTLP: an all-zero id is invalid
  return to_hex(id);
}

void merge_usage(ChatUsage& into, const ChatUsage& later) {
  auto take = [](std::optional<int64_t>& to, const std::optional<int64_t>& from) {
    if (from) to = from;
  };
  take(into.input_tokens, later.input_tokens);
  take(into.output_tokens, later.output_tokens);
  take(into.total_tokens, later.total_tokens);
  take(into.cache_read_tokens, later.cache_read_tokens);
  take(into.cache_write_tokens, later.cache_write_tokens);
  take(into.reasoning_tokens, later.reasoning_tokens);
}

ProviderFailure failure_of(ProviderFailure::Kind kind, std::string message) {
  ProviderFailure failure;
  failure.kind = kind;
  failure.message = std::move(message);
  return failure;
}

// The price table's cost of the run: at the price in effect at its start, of
// the model that answered (as the provider named it) or else the one asked for.
std::optional<RunCost> cost_of(const RunOutcome& run, PriceSource& prices) {
  if (!run.usage.input_tokens && !run.usage.output_tokens) return std::nullopt;
  auto book = prices.book();
  if (!book || !*book) return std::nullopt;
  std::optional<EffectivePrice> price;
  if (!run.response_model.empty()) price = (*book)->price_at(run.response_model, run.start_ns);
  if (!price) price = (*book)->price_at(run.model, run.start_ns);
  if (!price) return std::nullopt;
  auto cost = cost_at(CallTokens{run.usage.input_tokens, run.usage.output_tokens, run.usage.cache_read_tokens}, price->price);
  if (!cost) return std::nullopt;
  RunCost out;
  out.input = cost->input;
  out.output = cost->output;
  out.total = cost->total;
  out.source = kPriceTableSource;
  return out;
}

}  // namespace

PlaygroundRunner::PlaygroundRunner(const ApiConfig& config, PriceSource& prices, RunRecorder& recorder, bus::StatsRegistry& stats)
    : config_(config),
      prices_(prices),
      recorder_(recorder),
      started_(stats.counter("playground_runs_started")),
      failed_(stats.counter("playground_runs_failed")),
      cancelled_(stats.counter("playground_runs_cancelled")),
      refused_(stats.counter("playground_runs_refused_busy")),
      places_(config.playground_max_runs, config.playground_max_runs_per_user) {
  stats.gauge("playground_runs", [this] { return static_cast<double>(places_.taken()); });
}

PlaygroundRunner::~PlaygroundRunner() { stop(); }

void PlaygroundRunner::stop() {
  std::vector<std::thread> threads;
  {
    std::lock_guard lock(mutex_);
    stopping_ = true;
    cancel_all_.store(true);
    threads.swap(threads_);
  }
  wake_.notify_all();
  for (std::thread& thread : threads) thread.join();
  std::lock_guard lock(mutex_);
  queue_.clear();
}

std::optional<ApiReply> PlaygroundRunner::reserve(int64_t user_id) {
  {
    std::lock_guard lock(mutex_);
    if (stopping_) return error_reply(503, "unavailable", "the api is stopping");
  }
  auto refused = places_.take(user_id);
  if (!refused) return std::nullopt;
  refused_.fetch_add(1);
  if (refused->bound == UserPlaces::Refusal::Bound::total) {
    return error_reply(503, "unavailable",
                       "too many playground runs in progress (at most " + std::to_string(config_.playground_max_runs) + "); retry shortly");
  }
  ApiReply reply = error_reply(429, "too_many_requests",
                               "you have " + std::to_string(refused->held) + " playground runs in progress, the most one user may (" +
                                   std::to_string(config_.playground_max_runs_per_user) + "); wait for one to end or stop it");
  reply.retry_after = kPerUserRetryAfter;
  return reply;
}

void PlaygroundRunner::release(int64_t user_id) { places_.give_back(user_id); }

void PlaygroundRunner::start(RunTicket ticket, std::unique_ptr<SseStream> stream) {
  std::unique_lock lock(mutex_);
  if (stopping_) {
    lock.unlock();
    release(ticket.user_id);
    return;
  }
  queue_.push_back(Job{std::move(ticket), std::move(stream)});
  // Places bound the jobs, so threads never exceed --playground-max-runs: one is made only when none is idle.
  if (idle_ == 0 && threads_.size() < config_.playground_max_runs) threads_.emplace_back([this] { work(); });
  lock.unlock();
  wake_.notify_one();
}

void PlaygroundRunner::work() {
  std::unique_lock lock(mutex_);
  for (;;) {
    ++idle_;
    wake_.wait(lock, [this] { return stopping_ || !queue_.empty(); });
    --idle_;
    if (stopping_) return;
    Job job = std::move(queue_.front());
    queue_.pop_front();
    lock.unlock();
    run(job);
    job = Job{};
    lock.lock();
  }
}

void PlaygroundRunner::run(Job& job) {
  started_.fetch_add(1);
  const RunTicket& ticket = job.ticket;
  SseStream& stream = *job.stream;
  RunOutcome outcome;
  outcome.run_id = random_id(8);
  outcome.trace_id = random_id(16);
  outcome.span_id = random_id(8);
  outcome.provider = ticket.endpoint.name;
  outcome.kind = ticket.endpoint.kind;
  outcome.model = ticket.request.chat.model;
  outcome.start_ns = unix_nanos_now();

  bool reader_gone = false;
  auto send = [&](std::string_view name, const std::string& data) {
    if (reader_gone) return false;
    if (!stream.send_within(SseStream::event(name, data), kSlowReaderWait)) reader_gone = true;
    return !reader_gone;
  };
  // A failure met while reading the answer (a decoder's, or the reader leaving) wins over the transport's.
  std::optional<ProviderFailure> failure;

  auto take = [&](const std::vector<ChatEvent>& events) {
    for (const ChatEvent& event : events) {
      switch (event.kind) {
        case ChatEvent::Kind::text:
          if (event.text.empty()) break;
          if (!outcome.first_token_ns) outcome.first_token_ns = unix_nanos_now();
          outcome.text += event.text;
          send("text", text_event_data(event.text));
          break;
        case ChatEvent::Kind::tool_call:
          if (!outcome.first_token_ns) outcome.first_token_ns = unix_nanos_now();
          outcome.tool_calls.push_back(event.tool_call);
          send("tool_call", tool_call_event_data(event.tool_call));
          break;
        case ChatEvent::Kind::usage:
          merge_usage(outcome.usage, event.usage);
          send("usage", usage_json(outcome.usage).dump());
          break;
        case ChatEvent::Kind::finish:
          outcome.finish_reason = event.finish_reason;
          outcome.content_filtered = outcome.content_filtered || event.content_filtered;
          break;
        case ChatEvent::Kind::response:
          if (!event.response_model.empty()) outcome.response_model = event.response_model;
          if (!event.response_id.empty()) outcome.response_id = event.response_id;
          break;
      }
    }
    return !reader_gone;
  };

  if (send("start", start_event_data(outcome))) {
    const ProviderProtocol& protocol = protocol_for(ticket.endpoint.kind);
    std::unique_ptr<ChatDecoder> decoder = protocol.chat_decoder(ticket.request.chat.stream);
    int http_status = 0;
    std::string retry_after;
    std::string error_body;
    auto decoding_failed = [&](const Status& status) {
      failure = decoder->failure().value_or(failure_of(ProviderFailure::Kind::provider_error, status.message()));
    };
    TransferCallbacks callbacks;
    callbacks.on_status = [&](int status, std::string_view retry) {
      http_status = status;
      retry_after = retry;
    };
    callbacks.on_body = [&](std::string_view bytes) {
      if (http_status < 200 || http_status >= 300) {
        error_body.append(bytes.substr(0, kMaxErrorBody - std::min(kMaxErrorBody, error_body.size())));
        return true;
      }
      auto events = decoder->feed(bytes);
      if (!events) {
        decoding_failed(events.status());
        return false;
      }
      const bool reading = take(*events);
      if (decoder->failure()) {  // an error event after the events returned: they were sent, the error ends the run
        failure = decoder->failure();
        return false;
      }
      return reading;
    };
    callbacks.cancelled = [&] { return reader_gone || cancel_all_.load() || stream.client_gone(); };
    TransferLimits limits;
    limits.deadline = config_.playground_deadline;
    // A whole (non-streamed) answer sends nothing until the model is done, which for
    // a reasoning model can be minutes: only the deadline bounds it.
    limits.stall = ticket.request.chat.stream ? config_.playground_stall : config_.playground_deadline;
    TransferOutcome transfer = perform(protocol.chat_call(ticket.endpoint, ticket.request.chat), limits, callbacks);
    if (reader_gone || (!transfer.complete && transfer.failure.kind == ProviderFailure::Kind::cancelled)) {
      failure = failure_of(ProviderFailure::Kind::cancelled, cancel_all_.load() ? "the api is stopping" : "the run was stopped (the page closed its connection)");
    } else if (!failure && !transfer.complete) {
      failure = transfer.failure;
    } else if (!failure && (http_status < 200 || http_status >= 300)) {
      failure = protocol.classify_error(http_status, retry_after, error_body);
    } else if (!failure) {
      auto last = decoder->finish();
      if (!last) {
        decoding_failed(last.status());
      } else {
        take(*last);
        if (decoder->failure()) failure = decoder->failure();
      }
      if (reader_gone) failure = failure_of(ProviderFailure::Kind::cancelled, "the run was stopped (the page closed its connection)");
    }
  } else {
    failure = failure_of(ProviderFailure::Kind::cancelled, "the run was stopped (the page closed its connection)");
  }
  outcome.end_ns = unix_nanos_now();
  if (failure) failure = redacted(std::move(*failure), ticket.endpoint.api_key);
  outcome.failure = failure;
  if (!failure) outcome.cost = cost_of(outcome, prices_);

  if (failure && failure->kind == ProviderFailure::Kind::cancelled) {
    cancelled_.fetch_add(1);
    if (cancel_all_.load()) send("error", error_event_data(outcome));  // the api stops: a reader still there is told why
  } else if (failure) {
    failed_.fetch_add(1);
    send("error", error_event_data(outcome));
  } else {
    send("done", done_event_data(outcome));
  }
  if (!reader_gone) stream.end();
  // The answer is over: its place is free for the user's next run (which waits for this thread, if it is the
  // last free one, while the WAL syncs this run: at most a few seconds).
  job.stream.reset();
  release(ticket.user_id);
  (void)recorder_.record(outcome, ticket.request, ticket.user_email);
}

}  // namespace spanline::api::playground
