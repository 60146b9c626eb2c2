#pragma once
// Places of a bounded kind of long request (live-tail streams, playground
// runs): at most `max_total` taken at once in all and `max_per_user` by one
// user. A place is taken before the work starts, so concurrent requests cannot
// overshoot either bound, and given back when it ends.
//
// Threads: any.

#include <atomic>
#include <cstdint>
#include <map>
#include <mutex>
#include <optional>

namespace spanline::api {

class UserPlaces {
 public:
  UserPlaces(uint32_t max_total, uint32_t max_per_user) : max_total_(max_total), max_per_user_(max_per_user) {}

  // Which bound refused a place; `held`: the user's places then.
  struct Refusal {
    enum class Bound { total, user };
    Bound bound = Bound::total;
    uint32_t held = 0;
  };
  // A place for `user_id`, or the bound that refused it.
  std::optional<Refusal> take(int64_t user_id);
  void give_back(int64_t user_id);
  // Every place given back at once (the owner stopped).
  void clear();
  size_t taken() const { return taken_.load(); }

 private:
  const uint32_t max_total_;
  const uint32_t max_per_user_;
  std::mutex mutex_;
  std::map<int64_t, uint32_t> per_user_;  // user id -> places taken
  std::atomic<size_t> taken_{0};
};

}  // namespace spanline::api
