// The sign-in throttle on an injected clock: attackers are slowed, owners are
// not locked out (the numbers are those documented in sign_in_throttle.h).
#include <gtest/gtest.h>

#include "stages/auth/responder/sign_in_throttle.h"

namespace spanline::auth {
namespace {

using namespace std::chrono_literals;
using Attempt = SignInThrottle::Attempt;

TEST(SignInThrottle, OneAddressBacksOffExponentiallyWhileTheOwnerElsewhereIsNotSlowed) {
  SignInThrottle throttle(SignInLimits{});
  auto t = SignInThrottle::Clock::now();
  const Attempt attacker{"owner@example.com", "203.0.113.9", ""};
  for (int i = 0; i < 5; ++i) {
    ASSERT_FALSE(throttle.admit(attacker, t)) << "the first 5 failures are free";
    throttle.failed(attacker, t);
  }
  std::vector<int64_t> waits;
  for (int i = 0; i < 6; ++i) {
    auto wait = throttle.admit(attacker, t);
    ASSERT_TRUE(wait);
    waits.push_back(wait->count());
    t += *wait;
    ASSERT_FALSE(throttle.admit(attacker, t)) << "after the wait, one more try";
    throttle.failed(attacker, t);
  }
  EXPECT_EQ(waits, (std::vector<int64_t>{1, 2, 4, 8, 16, 32}));
  EXPECT_FALSE(throttle.admit({"owner@example.com", "198.51.100.1", ""}, t)) << "the owner at another address is not slowed";
  for (int i = 0; i < 20; ++i) throttle.failed(attacker, t);
  EXPECT_EQ(*throttle.admit(attacker, t), 15min) << "the wait is capped";
  EXPECT_FALSE(throttle.admit(attacker, t + 15min + 15min)) << "forgotten a window after the last wait";
}

TEST(SignInThrottle, ManyAddressesSlowTheAccountTwoSecondsAtATimeAndNeverLockIt) {
  SignInThrottle throttle(SignInLimits{});
  auto t = SignInThrottle::Clock::now();
  for (int i = 0; i < 50; ++i) {
    const Attempt attempt{"owner@example.com", "10.0." + std::to_string(i / 250) + "." + std::to_string(i % 250), ""};
    ASSERT_FALSE(throttle.admit(attempt, t));
    throttle.failed(attempt, t);
  }
  const Attempt owner{"owner@example.com", "198.51.100.1", ""};
  ASSERT_FALSE(throttle.admit(owner, t)) << "the first check on a spaced account takes its slot";
  auto wait = throttle.admit(owner, t);
  ASSERT_TRUE(wait);
  EXPECT_EQ(*wait, 2s);
  EXPECT_FALSE(throttle.admit(owner, t + 2s)) << "slowed, never locked";
  EXPECT_FALSE(throttle.admit({"other@example.com", "10.0.0.1", ""}, t)) << "other accounts are not spaced";
}

TEST(SignInThrottle, ADeviceCookieSkipsOtherPeoplesFailuresButNotItsOwn) {
  SignInThrottle throttle(SignInLimits{});
  auto t = SignInThrottle::Clock::now();
  throttle.add_device("device-hash", "owner@example.com", t);
  // An attacker at the owner's own address (one NAT or proxy), and on many others.
  for (int i = 0; i < 200; ++i) throttle.failed({"owner@example.com", "192.0.2.1", ""}, t);
  for (int i = 0; i < 60; ++i) throttle.failed({"owner@example.com", "10.1.0." + std::to_string(i), ""}, t);
  EXPECT_TRUE(throttle.admit({"owner@example.com", "192.0.2.1", ""}, t)) << "without the device: slowed";
  EXPECT_FALSE(throttle.admit({"owner@example.com", "192.0.2.1", "device-hash"}, t)) << "with it: not";
  EXPECT_TRUE(throttle.admit({"someone@example.com", "192.0.2.1", "device-hash"}, t)) << "a device is good for its own account only";
  const Attempt thief{"owner@example.com", "203.0.113.50", "device-hash"};
  for (int i = 0; i < 5; ++i) throttle.failed(thief, t);
  auto wait = throttle.admit(thief, t);
  ASSERT_TRUE(wait) << "a stolen device cookie still backs off on its own failures";
  EXPECT_EQ(*wait, 1s);
  EXPECT_FALSE(throttle.admit({"owner@example.com", "192.0.2.1", "device-hash"}, t + 30 * 24h)) << "expired device";
}

TEST(SignInThrottle, OneAddressFailingOnManyAccountsBacksOffAtMostAMinute) {
  SignInThrottle throttle(SignInLimits{});
  auto t = SignInThrottle::Clock::now();
  for (int i = 0; i < 100; ++i) throttle.failed({"user" + std::to_string(i) + "@example.com", "192.0.2.7", ""}, t);
  EXPECT_EQ(*throttle.admit({"fresh@example.com", "192.0.2.7", ""}, t), 1s);
  for (int i = 0; i < 20; ++i) throttle.failed({"more" + std::to_string(i) + "@example.com", "192.0.2.7", ""}, t);
  EXPECT_EQ(*throttle.admit({"fresh@example.com", "192.0.2.7", ""}, t), 60s);
  EXPECT_FALSE(throttle.admit({"fresh@example.com", "192.0.2.8", ""}, t));
}

TEST(SignInThrottle, SuccessForgetsOnlyItsOwnAddressAndMemoryIsBounded) {
  SignInThrottle throttle(SignInLimits{.max_tracked = 8});
  auto t = SignInThrottle::Clock::now();
  const Attempt here{"a@example.com", "192.0.2.1", ""};
  for (int i = 0; i < 6; ++i) throttle.failed(here, t);
  ASSERT_TRUE(throttle.admit(here, t));
  throttle.succeeded(here, t);
  EXPECT_FALSE(throttle.admit(here, t));
  for (int i = 0; i < 1000; ++i) throttle.failed({"u" + std::to_string(i), "10.9." + std::to_string(i / 250) + "." + std::to_string(i % 250), ""}, t);
  SUCCEED() << "1000 keys through tables of 8 without growing (checked under ASan in CI)";
}

}  // namespace
}  // namespace spanline::auth
