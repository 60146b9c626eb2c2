#include "stages/auth/responder/sign_in_throttle.h"

#include <algorithm>

namespace spanline::auth {

std::optional<std::chrono::seconds> SignInThrottle::check(Failures& failures, const std::string& name, uint32_t limit,
                                                          Clock::time_point now) {
  auto found = failures.find(name);
  if (found == failures.end()) return std::nullopt;
  auto& times = found->second;
  while (!times.empty() && times.front() + window_ <= now) times.pop_front();
  if (times.empty()) {
    failures.erase(found);
    return std::nullopt;
  }
  if (times.size() < limit) return std::nullopt;
  auto wait = std::chrono::ceil<std::chrono::seconds>(times.front() + window_ - now);
  return std::max(wait, std::chrono::seconds(1));
}

void SignInThrottle::record(Failures& failures, const std::string& name, uint32_t limit, Clock::time_point now) {
  if (failures.size() >= max_tracked_ && !failures.contains(name)) {
    // Forget names whose failures all left the window; if none did, forget any one.
    std::erase_if(failures, [&](const auto& item) { return item.second.empty() || item.second.back() + window_ <= now; });
    if (failures.size() >= max_tracked_) failures.erase(failures.begin());
  }
  auto& times = failures[name];
  times.push_back(now);
  while (times.size() > limit) times.pop_front();
}

std::optional<std::chrono::seconds> SignInThrottle::throttled(const std::string& account, const std::string& address,
                                                              Clock::time_point now) {
  std::lock_guard lock(mutex_);
  auto by_account = check(accounts_, account, per_account_, now);
  auto by_address = check(addresses_, address, per_address_, now);
  if (by_account && by_address) return std::max(*by_account, *by_address);
  return by_account ? by_account : by_address;
}

void SignInThrottle::failed(const std::string& account, const std::string& address, Clock::time_point now) {
  std::lock_guard lock(mutex_);
  record(accounts_, account, per_account_, now);
  record(addresses_, address, per_address_, now);
}

void SignInThrottle::succeeded(const std::string& account) {
  std::lock_guard lock(mutex_);
  accounts_.erase(account);
}

}  // namespace spanline::auth
