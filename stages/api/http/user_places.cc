#include "stages/api/http/user_places.h"

namespace spanline::api {

std::optional<UserPlaces::Refusal> UserPlaces::take(int64_t user_id) {
  std::lock_guard lock(mutex_);
  auto mine = per_user_.find(user_id);
  const uint32_t held = mine == per_user_.end() ? 0 : mine->second;
  if (taken_.load() >= max_total_) return Refusal{Refusal::Bound::total, held};
  if (held >= max_per_user_) return Refusal{Refusal::Bound::user, held};
  ++per_user_[user_id];
  taken_.fetch_add(1);
  return std::nullopt;
}

void UserPlaces::give_back(int64_t user_id) {
  std::lock_guard lock(mutex_);
  auto mine = per_user_.find(user_id);
  if (mine == per_user_.end()) return;
  if (--mine->second == 0) per_user_.erase(mine);
  taken_.fetch_sub(1);
}

void UserPlaces::clear() {
  std::lock_guard lock(mutex_);
  per_user_.clear();
  taken_.store(0);
}

}  // namespace spanline::api
