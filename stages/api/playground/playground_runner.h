#pragma once
// Runs playground prompts against their providers and streams the answers.
//
// How it works: a run takes a place (reserve()) before anything streams, so a
// refusal is a plain JSON answer; then its event stream is opened and the run
// goes to one of at most --playground-max-runs threads. There: the `start`
// event, the provider call (http_transport.h) bounded by --playground-deadline
// and --playground-stall, each decoded ChatEvent as its event (`text`,
// `tool_call`, `usage`), and the end: `done` (finish reason, usage, latency,
// time to first token, the price table's cost) or `error` (the failure's kind,
// the provider's message, its HTTP status and Retry-After). The client closing
// the connection is noticed within 100 ms (the transport polls SseStream::
// client_gone) and ends the provider call as cancelled. Once the answer ends
// its place is given back, then the run, whatever its end, is recorded
// (run_recorder.h) on the same thread.
//
// Threads: reserve() and start() from the HTTP workers; runs on the pool's
// threads (made as needed, never more than --playground-max-runs).
// Limits: --playground-max-runs places in all (503 beyond),
// --playground-max-runs-per-user for one user (429 with Retry-After beyond); a
// reader that does not take an event within 5 s is treated as gone.

#include <atomic>
#include <condition_variable>
#include <cstdint>
#include <deque>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <thread>
#include <vector>

#include "bus/stats.h"
#include "stages/api/config/api_config.h"
#include "stages/api/http/api_types.h"
#include "stages/api/http/sse_stream.h"
#include "stages/api/http/user_places.h"
#include "stages/api/playground/playground_request.h"
#include "stages/api/playground/run_recorder.h"

namespace spanline::api {
class PriceSource;
}

namespace spanline::api::playground {

// What a run needs besides its prompt: where to send it and who asked.
struct RunTicket {
  RunRequest request;
  ProviderEndpoint endpoint;  // holds the key: never logged
  int64_t user_id = 0;
  std::string user_email;
};

class PlaygroundRunner {
 public:
  PlaygroundRunner(const ApiConfig& config, PriceSource& prices, RunRecorder& recorder, bus::StatsRegistry& stats);
  ~PlaygroundRunner();

  // A place for one of `user_id`'s runs, or the refusal to answer (503: all
  // places taken; 429 with Retry-After: the user's are). Give it back with
  // release() when the run cannot start, else start() takes it over.
  std::optional<ApiReply> reserve(int64_t user_id);
  void release(int64_t user_id);
  // Runs `ticket` on the pool, streaming on `stream`; the place reserved for its user goes with it.
  void start(RunTicket ticket, std::unique_ptr<SseStream> stream);
  void stop();

  // Places taken (runs in progress or starting).
  size_t running() const { return places_.taken(); }

 private:
  struct Job {
    RunTicket ticket;
    std::unique_ptr<SseStream> stream;
  };
  void work();
  void run(Job& job);

  const ApiConfig& config_;
  PriceSource& prices_;
  RunRecorder& recorder_;
  std::atomic<uint64_t>& started_;
  std::atomic<uint64_t>& failed_;
  std::atomic<uint64_t>& cancelled_;
  std::atomic<uint64_t>& refused_;
  std::mutex mutex_;
  std::condition_variable wake_;
  bool stopping_ = false;
  std::atomic<bool> cancel_all_{false};
  std::deque<Job> queue_;
  std::vector<std::thread> threads_;
  size_t idle_ = 0;  // threads waiting for a job
  UserPlaces places_;
};

}  // namespace spanline::api::playground
