#pragma once
// One-time tokens that let first-user setup be done from another machine.
//
// While no user exists, `spanline up`, the api (in its log, at start) and
// `spanline setup-token` each ask for one and print it; the person setting up
// the deployment pastes it into the setup form. Only the SHA-256 of each token
// is kept, in memory: a token expires after --setup-token-ttl, is used up by
// the first setup it opens, and every token dies with the first user (setup is
// then closed for good). A restart of the auth-responder forgets them all:
// ask for a new one.
//
// Threads: every auth worker shares one SetupTokens; one mutex guards it.
// Limits: at most 16 tokens at once; a 17th replaces the oldest.

#include <chrono>
#include <mutex>
#include <string>
#include <vector>

namespace spanline::auth {

class SetupTokens {
 public:
  using Clock = std::chrono::steady_clock;

  // A new token, valid for `ttl`.
  std::string issue(std::chrono::milliseconds ttl, Clock::time_point now);
  // True (and the token is gone) when `token` was issued, unused and unexpired.
  bool consume(const std::string& token, Clock::time_point now);
  void clear();

 private:
  struct Issued {
    std::string hash;
    Clock::time_point expires;
  };
  static constexpr size_t kMaxTokens = 16;
  std::mutex mutex_;
  std::vector<Issued> issued_;
};

}  // namespace spanline::auth
