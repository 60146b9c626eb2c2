#pragma once
// Counts failed sign-ins per account and per client address over a sliding
// window; past the limit, sign-in is refused (even with the right password)
// until the oldest failure leaves the window. Shared by every worker thread.
// Memory is bounded: past `max_tracked` names the oldest are forgotten.

#include <chrono>
#include <cstdint>
#include <deque>
#include <mutex>
#include <optional>
#include <string>
#include <unordered_map>

namespace spanline::auth {

class SignInThrottle {
 public:
  using Clock = std::chrono::steady_clock;
  SignInThrottle(uint32_t per_account, uint32_t per_address, std::chrono::milliseconds window, size_t max_tracked = 100'000)
      : per_account_(per_account), per_address_(per_address), window_(window), max_tracked_(max_tracked) {}

  // How long to wait when throttled; nullopt when sign-in may proceed.
  std::optional<std::chrono::seconds> throttled(const std::string& account, const std::string& address, Clock::time_point now);
  void failed(const std::string& account, const std::string& address, Clock::time_point now);
  void succeeded(const std::string& account);

 private:
  using Failures = std::unordered_map<std::string, std::deque<Clock::time_point>>;
  std::optional<std::chrono::seconds> check(Failures& failures, const std::string& name, uint32_t limit, Clock::time_point now);
  void record(Failures& failures, const std::string& name, uint32_t limit, Clock::time_point now);

  uint32_t per_account_;
  uint32_t per_address_;
  std::chrono::milliseconds window_;
  size_t max_tracked_;
  std::mutex mutex_;
  Failures accounts_;
  Failures addresses_;
};

}  // namespace spanline::auth
