#include "stages/auth/responder/sign_in_throttle.h"

#include <algorithm>

namespace spanline::auth {

namespace {

std::chrono::seconds seconds_until(SignInThrottle::Clock::time_point when, SignInThrottle::Clock::time_point now) {
  return std::max(std::chrono::ceil<std::chrono::seconds>(when - now), std::chrono::seconds(1));
}

}  // namespace

SignInThrottle::Clock::time_point SignInThrottle::next_try(const Failures& failures, uint32_t free,
                                                           std::chrono::milliseconds max) const {
  if (failures.count < free) return failures.last;
  // Doubling stops at 2^30 long before any sane max is passed.
  const uint32_t doublings = std::min<uint32_t>(failures.count - free, 30);
  const auto delay = std::min<std::chrono::milliseconds>(limits_.backoff_base * (int64_t{1} << doublings), max);
  return failures.last + delay;
}

template <typename Map, typename Stale>
void SignInThrottle::make_room(Map& map, const std::string& key, Stale stale) {
  if (map.size() < limits_.max_tracked || map.contains(key)) return;
  std::erase_if(map, [&](const auto& item) { return stale(item.second); });
  if (map.size() >= limits_.max_tracked) map.erase(map.begin());
}

std::string SignInThrottle::known_device(const Attempt& attempt, Clock::time_point now) {
  if (attempt.device_hash.empty()) return {};
  auto found = devices_.find(attempt.device_hash);
  if (found == devices_.end()) return {};
  if (found->second.expires <= now) {
    devices_.erase(found);
    return {};
  }
  return found->second.account == attempt.account ? attempt.device_hash : std::string();
}

std::string SignInThrottle::pair_key(const Attempt& attempt, Clock::time_point now) {
  std::string device = known_device(attempt, now);
  return device.empty() ? attempt.account + "\n" + attempt.address : attempt.account + "\ndevice:" + device;
}

std::optional<std::chrono::seconds> SignInThrottle::admit(const Attempt& attempt, Clock::time_point now) {
  std::lock_guard lock(mutex_);
  const bool from_known_device = !known_device(attempt, now).empty();
  Clock::time_point allowed = now;
  if (auto pair = pairs_.find(pair_key(attempt, now)); pair != pairs_.end()) {
    allowed = std::max(allowed, next_try(pair->second, limits_.free_failures, limits_.backoff_max));
  }
  if (from_known_device) return allowed > now ? std::optional(seconds_until(allowed, now)) : std::nullopt;

  if (auto address = addresses_.find(attempt.address); address != addresses_.end()) {
    allowed = std::max(allowed, next_try(address->second, limits_.address_failures, limits_.address_backoff_max));
  }
  if (allowed > now) return seconds_until(allowed, now);
  auto account = accounts_.find(attempt.account);
  if (account == accounts_.end() || account->second.failures.count < limits_.account_failures ||
      account->second.failures.last + limits_.window <= now) {
    return std::nullopt;
  }
  // A spaced account: one password check per slot, whoever asks.
  if (account->second.next_slot > now) return seconds_until(account->second.next_slot, now);
  account->second.next_slot = now + limits_.account_spacing;
  return std::nullopt;
}

void SignInThrottle::failed(const Attempt& attempt, Clock::time_point now) {
  std::lock_guard lock(mutex_);
  auto count = [&](Failures& failures, uint32_t free, std::chrono::milliseconds max) {
    // A key quiet for the window (after its last wait) starts again from nothing.
    if (failures.count > 0 && next_try(failures, free, max) + limits_.window <= now) failures.count = 0;
    failures.count += 1;
    failures.last = now;
  };
  const std::string pair = pair_key(attempt, now);
  make_room(pairs_, pair, [&](const Failures& f) { return next_try(f, limits_.free_failures, limits_.backoff_max) + limits_.window <= now; });
  count(pairs_[pair], limits_.free_failures, limits_.backoff_max);
  if (!known_device(attempt, now).empty()) return;  // a device's failures are its own
  make_room(addresses_, attempt.address,
            [&](const Failures& f) { return next_try(f, limits_.address_failures, limits_.address_backoff_max) + limits_.window <= now; });
  count(addresses_[attempt.address], limits_.address_failures, limits_.address_backoff_max);
  make_room(accounts_, attempt.account,
            [&](const AccountState& a) { return a.failures.last + limits_.window <= now && a.next_slot <= now; });
  AccountState& account = accounts_[attempt.account];
  if (account.failures.count > 0 && account.failures.last + limits_.window <= now) account.failures.count = 0;
  account.failures.count += 1;
  account.failures.last = now;
}

void SignInThrottle::succeeded(const Attempt& attempt, Clock::time_point now) {
  std::lock_guard lock(mutex_);
  pairs_.erase(pair_key(attempt, now));
}

void SignInThrottle::add_device(const std::string& device_hash, const std::string& account, Clock::time_point now) {
  std::lock_guard lock(mutex_);
  make_room(devices_, device_hash, [&](const Device& d) { return d.expires <= now; });
  devices_[device_hash] = Device{account, now + limits_.device_ttl};
}

}  // namespace spanline::auth
