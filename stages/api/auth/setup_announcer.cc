#include "stages/api/auth/setup_announcer.h"

#include "base/log.h"

namespace spanline::api {

SetupAnnouncer::SetupAnnouncer(auth::AuthClient& client) : client_(client), thread_([this] { run(); }) {}

SetupAnnouncer::~SetupAnnouncer() {
  {
    std::lock_guard lock(mutex_);
    stopping_ = true;
  }
  wake_.notify_all();
  if (thread_.joinable()) thread_.join();
}

void SetupAnnouncer::run() {
  for (int attempt = 0; attempt < 60; ++attempt) {
    auto answer = client_.issue_setup_token();
    if (answer) {
      log::warn("no user exists yet: create the first one from this host's loopback interface, or from anywhere with this "
                "one-time setup token (single use; `spanline setup-token` prints a new one)",
                {{"setup_token", answer->token}, {"expires_at_ms", answer->expires_at_ms}});
      return;
    }
    if (answer.status().code() != Code::unavailable) return;  // a user exists (setup closed), or nothing to wait for
    std::unique_lock lock(mutex_);
    if (wake_.wait_for(lock, std::chrono::seconds(1), [this] { return stopping_; })) return;
  }
}

}  // namespace spanline::api
