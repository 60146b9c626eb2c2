#pragma once
// Slows password guessing without letting an attacker lock the owner out.
//
// How it works, with the defaults (auth_config.h names each flag):
//  - Per account and client address (or per account and device cookie, below):
//    the first 5 failures are free; then each attempt waits for a delay that
//    doubles with every further failure: 1 s, 2 s, 4 s, ... at most 15 min.
//    Answered before the password is checked, with the wait (429 + Retry-After).
//    Only that address is slowed: the owner elsewhere signs in at once.
//  - Per account across all addresses: past 50 failures, password checks on
//    that account are spaced at least 2 s apart. This slows a guesser spread
//    over many addresses to 1,800 guesses an hour and never holds anyone
//    back more than 2 s at a time: it slows, it never locks.
//  - Per address across all accounts: past 100 failures, that address waits
//    1 s, 2 s, 4 s, ... at most 60 s between attempts (credential stuffing).
//  - A device cookie, given on each successful sign-in and valid 30 days for
//    that account: a sign-in carrying it skips the account and address limits
//    and is slowed only by its own failures (counted per device, not per
//    address), so an owner who signed in from this browser before is not held
//    back by anyone else's failures.
// Failures are forgotten once --sign-in-window passes without another one for
// the same key; a successful sign-in forgets its own (account, address or
// device) failures, never the account's or the address's.
//
// Threads: every auth worker shares one SignInThrottle; one mutex guards it.
// Limits: memory is bounded: past `max_tracked` keys per table the stale ones
// are forgotten, then any one. Everything lives in memory: a restart of the
// auth-responder forgets failures and device cookies alike.

#include <chrono>
#include <cstdint>
#include <mutex>
#include <optional>
#include <string>
#include <unordered_map>

namespace spanline::auth {

struct SignInLimits {
  // Failures per (account, address) or (account, device) before backoff starts.
  uint32_t free_failures = 5;
  // The first wait; each further failure doubles it. Default: 1 s.
  std::chrono::milliseconds backoff_base{std::chrono::seconds(1)};
  // The longest wait for one (account, address) or (account, device). Default: 15 min.
  std::chrono::milliseconds backoff_max{std::chrono::minutes(15)};
  // Failures on one account from all addresses before its checks are spaced. Default: 50.
  uint32_t account_failures = 50;
  // The spacing between password checks on such an account. Default: 2 s.
  std::chrono::milliseconds account_spacing{std::chrono::seconds(2)};
  // Failures from one address on all accounts before that address backs off. Default: 100.
  uint32_t address_failures = 100;
  // The longest wait of such an address. Default: 60 s.
  std::chrono::milliseconds address_backoff_max{std::chrono::seconds(60)};
  // Failures are forgotten after this long without another. Default: 15 min.
  std::chrono::milliseconds window{std::chrono::minutes(15)};
  // A device cookie's lifetime. Default: 30 days.
  std::chrono::milliseconds device_ttl{std::chrono::hours(24 * 30)};
  size_t max_tracked = 100'000;
};

class SignInThrottle {
 public:
  using Clock = std::chrono::steady_clock;
  explicit SignInThrottle(SignInLimits limits) : limits_(limits) {}

  // Who is trying: the account (lower-cased email), the client address, and
  // the SHA-256 of the device cookie sent (empty when none).
  struct Attempt {
    std::string account;
    std::string address;
    std::string device_hash;
  };

  // How long to wait when slowed; nullopt when the password may be checked now
  // (which, on a spaced account, takes that account's next slot).
  std::optional<std::chrono::seconds> admit(const Attempt& attempt, Clock::time_point now);
  void failed(const Attempt& attempt, Clock::time_point now);
  void succeeded(const Attempt& attempt, Clock::time_point now);
  // Remembers a new device cookie (its SHA-256) as good for `account`.
  void add_device(const std::string& device_hash, const std::string& account, Clock::time_point now);

 private:
  struct Failures {
    uint32_t count = 0;
    Clock::time_point last;
  };
  struct AccountState {
    Failures failures;
    Clock::time_point next_slot;  // the earliest time its next password check may start once spaced
  };
  struct Device {
    std::string account;
    Clock::time_point expires;
  };

  // The device cookie's key when it is valid for the attempt's account, else empty.
  std::string known_device(const Attempt& attempt, Clock::time_point now);
  // "account\n" + address, or "account\ndevice:" + device hash with a valid device.
  std::string pair_key(const Attempt& attempt, Clock::time_point now);
  // The moment a key with `failures` may try again: `free` failures are free, then base * 2^(n - free), at most `max`.
  Clock::time_point next_try(const Failures& failures, uint32_t free, std::chrono::milliseconds max) const;
  // Forgets stale entries once a table holds max_tracked keys (then any one if none is stale).
  template <typename Map, typename Stale>
  void make_room(Map& map, const std::string& key, Stale stale);

  SignInLimits limits_;
  std::mutex mutex_;
  std::unordered_map<std::string, Failures> pairs_;
  std::unordered_map<std::string, AccountState> accounts_;
  std::unordered_map<std::string, Failures> addresses_;
  std::unordered_map<std::string, Device> devices_;
};

}  // namespace spanline::auth
