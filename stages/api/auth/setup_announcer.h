#pragma once
// Logs a first-user setup token when the api starts while no user exists, so a
// deployment reached only over the network (compose, a server) can be set up
// by whoever can read the api's log, not by whoever reaches the port first.
//
// Threads: one of its own, asking the auth-responder (which may still be
// starting) every second for at most a minute, then done; the destructor stops
// and joins it.

#include <condition_variable>
#include <mutex>
#include <thread>

#include "protocol/auth/auth_client.h"

namespace spanline::api {

class SetupAnnouncer {
 public:
  explicit SetupAnnouncer(auth::AuthClient& client);
  ~SetupAnnouncer();

 private:
  void run();

  auth::AuthClient& client_;
  std::mutex mutex_;
  std::condition_variable wake_;
  bool stopping_ = false;
  std::thread thread_;
};

}  // namespace spanline::api
