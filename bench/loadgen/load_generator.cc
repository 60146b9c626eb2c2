#include <random>
#include "bench/loadgen/load_generator.h"

#include <grpcpp/grpcpp.h>

#include <atomic>
#include <condition_variable>
#include <deque>
#include <memory>
#include <mutex>
#include <thread>
#include <vector>

#include "bench/loadgen/latency_recorder.h"
#include "opentelemetry/proto/collector/trace/v1/trace_service.grpc.pb.h"
#include "base/hex.h"
#include "tests/support/http_client.h"

namespace spanline::bench {
namespace {

using Clock = std::chrono::steady_clock;
using opentelemetry::proto::collector::trace::v1::ExportTraceServiceRequest;
using opentelemetry::proto::collector::trace::v1::ExportTraceServiceResponse;
using opentelemetry::proto::collector::trace::v1::TraceService;

const char* code_name(grpc::StatusCode code) {
  switch (code) {
    case grpc::StatusCode::CANCELLED: return "CANCELLED";
    case grpc::StatusCode::INVALID_ARGUMENT: return "INVALID_ARGUMENT";
    case grpc::StatusCode::DEADLINE_EXCEEDED: return "DEADLINE_EXCEEDED";
    case grpc::StatusCode::RESOURCE_EXHAUSTED: return "RESOURCE_EXHAUSTED";
    case grpc::StatusCode::UNAVAILABLE: return "UNAVAILABLE";
    case grpc::StatusCode::UNAUTHENTICATED: return "UNAUTHENTICATED";
    case grpc::StatusCode::INTERNAL: return "INTERNAL";
    default: return "OTHER";
  }
}

// One request slot: its own request message (renewed before each send) and call state.
struct Slot {
  ExportTraceServiceRequest request;
  ExportTraceServiceResponse response;
  std::unique_ptr<grpc::ClientContext> context;
  Clock::time_point due;
  bool sample_lag = false;
  size_t index = 0;
};

// Lag probes: a trace id acknowledged at a time, polled through the api until visible.
class LagSampler {
 public:
  LagSampler(int port, std::string cookie) : port_(port), cookie_(std::move(cookie)) {
    if (port_ > 0) thread_ = std::thread([this] { run(); });
  }
  ~LagSampler() { finish(); }
  void add(std::string trace_id_hex, Clock::time_point acked) {
    std::lock_guard lock(mutex_);
    probes_.emplace_back(std::move(trace_id_hex), acked);
    wake_.notify_one();
  }
  void finish() {
    {
      std::lock_guard lock(mutex_);
      done_ = true;
      wake_.notify_one();
    }
    if (thread_.joinable()) thread_.join();
  }
  LatencyRecorder lags;
  std::atomic<uint64_t> timeouts{0};

 private:
  void run() {
    for (;;) {
      std::pair<std::string, Clock::time_point> probe;
      {
        std::unique_lock lock(mutex_);
        wake_.wait(lock, [&] { return done_ || !probes_.empty(); });
        if (probes_.empty()) return;
        probe = std::move(probes_.front());
        probes_.pop_front();
      }
      auto give_up = probe.second + std::chrono::seconds(30);
      for (;;) {
        auto answer = testing::http_get(port_, "/api/v1/traces/" + probe.first, {{"Cookie", cookie_}});
        if (answer.status == 200) {
          lags.record(Clock::now() - probe.second);
          break;
        }
        if (Clock::now() > give_up) {
          timeouts.fetch_add(1);
          break;
        }
        std::this_thread::sleep_for(std::chrono::milliseconds(5));
      }
    }
  }

  int port_;
  std::string cookie_;
  std::mutex mutex_;
  std::condition_variable wake_;
  std::deque<std::pair<std::string, Clock::time_point>> probes_;
  bool done_ = false;
  std::thread thread_;
};

}  // namespace

nlohmann::json LoadReport::to_json() const {
  return {{"workload", workload},
          {"seconds", seconds},
          {"requests_ok", requests_ok},
          {"spans_ok", spans_ok},
          {"requests_per_second", requests_per_second},
          {"spans_per_second", spans_per_second},
          {"latency_ms", {{"p50", p50_ms}, {"p90", p90_ms}, {"p99", p99_ms}, {"p99.9", p999_ms}, {"max", max_ms}}},
          {"errors", errors},
          {"lag_ms", {{"samples", lag_samples}, {"timeouts", lag_timeouts}, {"p50", lag_p50_ms}, {"p99", lag_p99_ms}}}};
}

std::string LoadReport::to_text() const {
  char line[512];
  std::snprintf(line, sizeof line,
                "%s: %.0f spans/s acked (%.0f requests/s) over %.1f s; Export latency p50 %.2f ms, p90 %.2f, p99 %.2f, "
                "p99.9 %.2f, max %.2f",
                workload.c_str(), spans_per_second, requests_per_second, seconds, p50_ms, p90_ms, p99_ms, p999_ms, max_ms);
  std::string text = line;
  for (const auto& [code, count] : errors) text += "; " + code + " x" + std::to_string(count);
  if (lag_samples > 0 || lag_timeouts > 0) {
    std::snprintf(line, sizeof line, "; lag (ack -> visible in the api) p50 %.1f ms, p99 %.1f ms, %llu samples",
                  lag_p50_ms, lag_p99_ms, static_cast<unsigned long long>(lag_samples));
    text += line;
  }
  return text;
}

LoadReport run_load(const LoadConfig& config) {
  std::vector<std::unique_ptr<TraceService::Stub>> stubs;
  for (uint32_t c = 0; c < std::max<uint32_t>(1, config.connections); ++c) {
    grpc::ChannelArguments arguments;
    // Distinct arguments and a local pool: each channel gets its own TCP connection.
    arguments.SetInt("spanline.loadgen.connection", static_cast<int>(c));
    arguments.SetInt(GRPC_ARG_USE_LOCAL_SUBCHANNEL_POOL, 1);
    arguments.SetMaxSendMessageSize(-1);
    auto channel = grpc::CreateCustomChannel(config.target, grpc::InsecureChannelCredentials(), arguments);
    stubs.push_back(TraceService::NewStub(channel));
  }
  // A new seed per run: a fixed one sent the same trace ids in every phase of a
  // bench, so later phases were duplicates the indexers skipped (their lag was
  // that of spans already indexed).
  RequestFactory factory(config.shape, std::random_device{}());
  std::vector<Slot> slots(std::max<uint32_t>(1, config.concurrency));
  for (size_t i = 0; i < slots.size(); ++i) {
    slots[i].request = factory.make();
    slots[i].index = i;
  }
  std::mutex mutex;
  std::condition_variable slot_freed;
  std::vector<size_t> free_slots;
  for (size_t i = 0; i < slots.size(); ++i) free_slots.push_back(i);
  LatencyRecorder latency;
  std::atomic<uint64_t> ok_requests{0};
  std::mutex errors_mutex;
  std::map<std::string, uint64_t> errors;
  LagSampler sampler(config.lag_api_port, config.lag_cookie);
  const uint32_t spans_per_request = config.shape.spans_per_request;

  auto started = Clock::now();
  auto deadline = started + config.duration;
  auto interval = config.rate > 0 ? std::chrono::duration<double>(1.0 / config.rate) : std::chrono::duration<double>(0);
  auto lag_every = std::chrono::duration<double>(config.lag_samples_per_second > 0 ? 1.0 / config.lag_samples_per_second : 1e9);
  auto next_lag = started;
  std::atomic<uint64_t> max_us{0};
  for (uint64_t k = 0;; ++k) {
    Clock::time_point due = Clock::now();
    if (config.rate > 0) {
      due = started + std::chrono::duration_cast<Clock::duration>(interval * static_cast<double>(k));
      std::this_thread::sleep_until(due);
    }
    size_t index;
    {
      std::unique_lock lock(mutex);
      slot_freed.wait(lock, [&] { return !free_slots.empty(); });
      index = free_slots.back();
      free_slots.pop_back();
    }
    if (Clock::now() >= deadline) {
      std::lock_guard lock(mutex);
      free_slots.push_back(index);
      break;
    }
    Slot& slot = slots[index];
    factory.renew(slot.request);
    slot.due = due;
    slot.sample_lag = config.lag_api_port > 0 && Clock::now() >= next_lag;
    if (slot.sample_lag) next_lag = Clock::now() + std::chrono::duration_cast<Clock::duration>(lag_every);
    slot.context = std::make_unique<grpc::ClientContext>();
    slot.context->set_deadline(std::chrono::system_clock::now() + config.timeout);
    if (!config.api_key.empty()) slot.context->AddMetadata("x-junjo-api-key", config.api_key);
    stubs[k % stubs.size()]->async()->Export(
        slot.context.get(), &slot.request, &slot.response, [&, index](grpc::Status status) {
          Slot& done = slots[index];
          auto now = Clock::now();
          if (status.ok()) {
            latency.record(now - done.due);
            uint64_t us = static_cast<uint64_t>(std::chrono::duration_cast<std::chrono::microseconds>(now - done.due).count());
            for (uint64_t seen = max_us.load(); us > seen && !max_us.compare_exchange_weak(seen, us);) {
            }
            ok_requests.fetch_add(1, std::memory_order_relaxed);
            if (done.sample_lag) sampler.add(to_hex(done.request.resource_spans(0).scope_spans(0).spans(0).trace_id()), now);
          } else {
            std::lock_guard lock(errors_mutex);
            ++errors[code_name(status.error_code())];
          }
          std::lock_guard lock(mutex);
          free_slots.push_back(index);
          slot_freed.notify_one();
        });
  }
  {
    std::unique_lock lock(mutex);
    slot_freed.wait(lock, [&] { return free_slots.size() == slots.size(); });
  }
  double seconds = std::chrono::duration<double>(Clock::now() - started).count();
  sampler.finish();

  LoadReport report;
  report.workload = config.shape.describe() + (config.rate > 0 ? ", " + std::to_string(static_cast<int64_t>(config.rate)) + " requests/s target" : ", open throttle") +
                    ", " + std::to_string(config.concurrency) + " in flight";
  report.seconds = seconds;
  report.requests_ok = ok_requests.load();
  report.spans_ok = report.requests_ok * spans_per_request;
  report.requests_per_second = static_cast<double>(report.requests_ok) / seconds;
  report.spans_per_second = static_cast<double>(report.spans_ok) / seconds;
  report.p50_ms = latency.percentile_ms(50);
  report.p90_ms = latency.percentile_ms(90);
  report.p99_ms = latency.percentile_ms(99);
  report.p999_ms = latency.percentile_ms(99.9);
  report.max_ms = static_cast<double>(max_us.load()) / 1000.0;
  report.errors = errors;
  report.lag_samples = sampler.lags.count();
  report.lag_timeouts = sampler.timeouts.load();
  report.lag_p50_ms = sampler.lags.percentile_ms(50);
  report.lag_p99_ms = sampler.lags.percentile_ms(99);
  return report;
}

}  // namespace spanline::bench
