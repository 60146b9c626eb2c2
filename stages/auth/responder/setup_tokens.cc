#include "stages/auth/responder/setup_tokens.h"

#include <algorithm>

#include "base/crypto/secrets.h"

namespace spanline::auth {

std::string SetupTokens::issue(std::chrono::milliseconds ttl, Clock::time_point now) {
  std::string token = "setup_" + random_token();
  std::lock_guard lock(mutex_);
  std::erase_if(issued_, [&](const Issued& issued) { return issued.expires <= now; });
  if (issued_.size() >= kMaxTokens) issued_.erase(issued_.begin());
  issued_.push_back({sha256(token), now + ttl});
  return token;
}

bool SetupTokens::consume(const std::string& token, Clock::time_point now) {
  if (token.empty()) return false;
  const std::string hash = sha256(token);
  std::lock_guard lock(mutex_);
  for (auto it = issued_.begin(); it != issued_.end(); ++it) {
    // Compared in constant time: how close a guess came shows nowhere.
    if (constant_time_equal(it->hash, hash)) {
      const bool live = it->expires > now;
      issued_.erase(it);
      return live;
    }
  }
  return false;
}

void SetupTokens::clear() {
  std::lock_guard lock(mutex_);
  issued_.clear();
}

}  // namespace spanline::auth
