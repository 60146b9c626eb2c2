#pragma once
// Binds the SUB socket every stage's stats publisher connects to and feeds the
// StageDirectory. The api's own stats go in directly, once a second, so the api
// shows up in /api/v1/pipeline and /metrics like every other stage.
//
// Threads: one thread owns the socket. Start-up errors (bad endpoint) throw.

#include <atomic>
#include <string>
#include <thread>

#include <zmq.hpp>

#include "stages/api/directory/stage_directory.h"
#include "bus/stats.h"

namespace spanline::api {

class StatsListener {
 public:
  StatsListener(bus::Context& context, const std::string& endpoint, StageDirectory& directory,
                const bus::StatsRegistry& own_stats, std::string own_instance);
  ~StatsListener();

 private:
  void run();

  zmq::socket_t socket_;
  StageDirectory& directory_;
  const bus::StatsRegistry& own_stats_;
  std::string own_instance_;
  std::atomic<uint64_t> bad_messages_{0};
  std::atomic<bool> stopping_{false};
  std::thread thread_;
};

}  // namespace spanline::api
