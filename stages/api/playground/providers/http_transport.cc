// libcurl's multi interface drives one easy handle per call, so that the loop can
// wake every 50 ms to poll the cancel check and the stall bound: the easy
// interface's progress callback slows to about one call a second while nothing
// arrives, too slow for a cancel within 100 ms.
#include "stages/api/playground/providers/http_transport.h"

#include <curl/curl.h>

#include <memory>
#include <mutex>

namespace spanline::api::playground {
namespace {

using Clock = std::chrono::steady_clock;
constexpr int kPollMs = 50;

void init_curl_once() {
  static std::once_flag once;
  std::call_once(once, [] { curl_global_init(CURL_GLOBAL_DEFAULT); });
}

struct Transfer {
  const TransferLimits* limits = nullptr;
  const TransferCallbacks* callbacks = nullptr;
  CURL* easy = nullptr;
  Clock::time_point last_byte;
  std::string retry_after;
  bool status_reported = false;
  size_t body_bytes = 0;
  bool too_large = false;
  bool reader_stopped = false;

  void report_status() {
    if (status_reported) return;
    status_reported = true;
    long status = 0;
    curl_easy_getinfo(easy, CURLINFO_RESPONSE_CODE, &status);
    if (callbacks->on_status) callbacks->on_status(static_cast<int>(status), retry_after);
  }
};

bool header_named(std::string_view line, std::string_view name) {
  if (line.size() <= name.size() || line[name.size()] != ':') return false;
  for (size_t i = 0; i < name.size(); ++i) {
    if (std::tolower(static_cast<unsigned char>(line[i])) != name[i]) return false;
  }
  return true;
}

size_t on_header(char* data, size_t size, size_t count, void* user) {
  auto* transfer = static_cast<Transfer*>(user);
  const std::string_view line(data, size * count);
  transfer->last_byte = Clock::now();
  if (line.rfind("HTTP/", 0) == 0) {
    transfer->retry_after.clear();  // a new status line (after a 100 Continue): its own headers follow
  } else if (header_named(line, "retry-after")) {
    std::string_view value = line.substr(12);
    while (!value.empty() && (value.front() == ' ' || value.front() == '\t')) value.remove_prefix(1);
    while (!value.empty() && (value.back() == '\r' || value.back() == '\n' || value.back() == ' ')) value.remove_suffix(1);
    transfer->retry_after = value;
  } else if (line == "\r\n" || line == "\n") {
    long status = 0;
    curl_easy_getinfo(transfer->easy, CURLINFO_RESPONSE_CODE, &status);
    if (status >= 200) transfer->report_status();  // 1xx answers are followed by the real one
  }
  return size * count;
}

size_t on_body(char* data, size_t size, size_t count, void* user) {
  auto* transfer = static_cast<Transfer*>(user);
  const size_t bytes = size * count;
  transfer->last_byte = Clock::now();
  transfer->report_status();
  transfer->body_bytes += bytes;
  if (transfer->body_bytes > transfer->limits->max_body_bytes) {
    transfer->too_large = true;
    return CURL_WRITEFUNC_ERROR;
  }
  if (transfer->callbacks->on_body && !transfer->callbacks->on_body(std::string_view(data, bytes))) {
    transfer->reader_stopped = true;
    return CURL_WRITEFUNC_ERROR;
  }
  return bytes;
}

TransferOutcome failed(ProviderFailure::Kind kind, std::string message) {
  TransferOutcome outcome;
  outcome.failure.kind = kind;
  outcome.failure.message = std::move(message);
  return outcome;
}

std::string seconds_text(std::chrono::milliseconds duration) {
  const auto ms = duration.count();
  return ms % 1000 == 0 ? std::to_string(ms / 1000) + " s" : std::to_string(ms) + " ms";
}

// What libcurl's result means for the person who ran the call; `detail` is libcurl's own words (never headers).
TransferOutcome failure_for(CURLcode code, const Transfer& transfer, const TransferLimits& limits, const std::string& detail) {
  using Kind = ProviderFailure::Kind;
  if (transfer.too_large) {
    return failed(Kind::provider_error, "the provider's answer exceeded " + std::to_string(limits.max_body_bytes) + " bytes");
  }
  if (transfer.reader_stopped) return failed(Kind::provider_error, "the answer was stopped while it was read");
  const std::string what = std::string(curl_easy_strerror(code)) + (detail.empty() ? "" : ": " + detail);
  switch (code) {
    case CURLE_UNSUPPORTED_PROTOCOL:
    case CURLE_URL_MALFORMAT:
    case CURLE_COULDNT_RESOLVE_PROXY:
    case CURLE_COULDNT_RESOLVE_HOST:
    case CURLE_COULDNT_CONNECT:
    case CURLE_SSL_CONNECT_ERROR:
    case CURLE_PEER_FAILED_VERIFICATION:
    case CURLE_SSL_CERTPROBLEM:
    case CURLE_SSL_CIPHER:
    case CURLE_SSL_CACERT_BADFILE:
    case CURLE_USE_SSL_FAILED:
      return failed(Kind::unreachable, "the provider could not be reached (" + what + ")");
    case CURLE_OPERATION_TIMEDOUT: {
      long connected = 0;
      curl_easy_getinfo(transfer.easy, CURLINFO_CONNECT_TIME_T, &connected);
      if (connected == 0) {
        return failed(Kind::unreachable, "the provider could not be reached within " + seconds_text(limits.connect_timeout));
      }
      return failed(Kind::timeout, "no complete answer within " + seconds_text(limits.deadline));
    }
    case CURLE_PARTIAL_FILE:
    case CURLE_GOT_NOTHING:
    case CURLE_RECV_ERROR:
      return failed(Kind::provider_error, "the provider closed the connection before its answer ended (" + what + ")");
    default:
      return failed(Kind::provider_error, "the connection to the provider failed (" + what + ")");
  }
}

struct EasyDeleter {
  void operator()(CURL* easy) const { curl_easy_cleanup(easy); }
};
struct MultiDeleter {
  void operator()(CURLM* multi) const { curl_multi_cleanup(multi); }
};
struct ListDeleter {
  void operator()(curl_slist* list) const { curl_slist_free_all(list); }
};

}  // namespace

TransferOutcome perform(const HttpCall& call, const TransferLimits& limits, const TransferCallbacks& callbacks) {
  using Kind = ProviderFailure::Kind;
  init_curl_once();
  std::unique_ptr<CURL, EasyDeleter> easy(curl_easy_init());
  std::unique_ptr<CURLM, MultiDeleter> multi(curl_multi_init());
  if (!easy || !multi) return failed(Kind::provider_error, "libcurl could not start a transfer");

  std::unique_ptr<curl_slist, ListDeleter> headers;
  const auto add_header = [&headers](const std::string& line) {
    curl_slist* grown = curl_slist_append(headers.get(), line.c_str());
    if (grown == nullptr) return false;
    headers.release();  // grown is the same list, one longer
    headers.reset(grown);
    return true;
  };
  for (const HttpHeader& header : call.headers) {
    if (!add_header(header.name + ": " + header.value)) return failed(Kind::provider_error, "libcurl could not hold the request's headers");
  }
  // Without this libcurl sends "Expect: 100-continue" for large bodies and waits for the server's go-ahead.
  if (!add_header("Expect:")) return failed(Kind::provider_error, "libcurl could not hold the request's headers");

  Transfer transfer;
  transfer.limits = &limits;
  transfer.callbacks = &callbacks;
  transfer.easy = easy.get();
  char error_text[CURL_ERROR_SIZE] = {};

  CURL* e = easy.get();
  curl_easy_setopt(e, CURLOPT_URL, call.url.c_str());
  curl_easy_setopt(e, CURLOPT_PROTOCOLS_STR, "http,https");
  curl_easy_setopt(e, CURLOPT_NOSIGNAL, 1L);
  curl_easy_setopt(e, CURLOPT_HTTPHEADER, headers.get());
  curl_easy_setopt(e, CURLOPT_USERAGENT, "spanline-playground");
  curl_easy_setopt(e, CURLOPT_ACCEPT_ENCODING, "");  // whatever this libcurl can decode
  curl_easy_setopt(e, CURLOPT_CONNECTTIMEOUT_MS, static_cast<long>(limits.connect_timeout.count()));
  curl_easy_setopt(e, CURLOPT_TIMEOUT_MS, static_cast<long>(limits.deadline.count()));
  curl_easy_setopt(e, CURLOPT_ERRORBUFFER, error_text);
  curl_easy_setopt(e, CURLOPT_HEADERFUNCTION, on_header);
  curl_easy_setopt(e, CURLOPT_HEADERDATA, &transfer);
  curl_easy_setopt(e, CURLOPT_WRITEFUNCTION, on_body);
  curl_easy_setopt(e, CURLOPT_WRITEDATA, &transfer);
  if (call.method == "GET") {
    curl_easy_setopt(e, CURLOPT_HTTPGET, 1L);
  } else {
    curl_easy_setopt(e, CURLOPT_POSTFIELDSIZE_LARGE, static_cast<curl_off_t>(call.body.size()));
    curl_easy_setopt(e, CURLOPT_POSTFIELDS, call.body.c_str());
    if (call.method != "POST") curl_easy_setopt(e, CURLOPT_CUSTOMREQUEST, call.method.c_str());
  }
  // Redirects are not followed: a redirect would carry the key's header to wherever it points.

  curl_multi_add_handle(multi.get(), e);
  const Clock::time_point start = Clock::now();
  transfer.last_byte = start;
  std::optional<TransferOutcome> stopped;
  std::optional<CURLcode> result;
  while (!result && !stopped) {
    int running = 0;
    if (curl_multi_perform(multi.get(), &running) != CURLM_OK) {
      stopped = failed(Kind::provider_error, "libcurl's transfer loop failed");
      break;
    }
    int queued = 0;
    while (CURLMsg* message = curl_multi_info_read(multi.get(), &queued)) {
      if (message->msg == CURLMSG_DONE) result = message->data.result;
    }
    if (result) break;
    const Clock::time_point now = Clock::now();
    if (callbacks.cancelled && callbacks.cancelled()) {
      stopped = failed(Kind::cancelled, "the run was cancelled");
    } else if (now - start >= limits.deadline) {
      stopped = failed(Kind::timeout, "no complete answer within " + seconds_text(limits.deadline));
    } else if (now - transfer.last_byte >= limits.stall) {
      stopped = failed(Kind::stalled, "the provider sent nothing for " + seconds_text(limits.stall));
    } else {
      curl_multi_poll(multi.get(), nullptr, 0, kPollMs, nullptr);
    }
  }
  curl_multi_remove_handle(multi.get(), e);
  if (stopped) return *stopped;
  if (*result != CURLE_OK) return failure_for(*result, transfer, limits, error_text);
  transfer.report_status();  // an answer with neither headers we saw end nor a body still has a status
  TransferOutcome outcome;
  outcome.complete = true;
  return outcome;
}

}  // namespace spanline::api::playground
