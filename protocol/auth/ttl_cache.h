#pragma once
// A small thread-safe map whose entries expire after a fixed time: cached auth
// decisions, so a valid key or session costs one bus round trip per TTL rather
// than one per request. Bounded: when full, expired entries go first, then all.

#include <chrono>
#include <mutex>
#include <optional>
#include <string>
#include <unordered_map>

namespace spanline::auth {

template <typename Value>
class TtlCache {
 public:
  using Clock = std::chrono::steady_clock;
  TtlCache(std::chrono::milliseconds ttl, size_t max_entries) : ttl_(ttl), max_entries_(max_entries) {}

  std::optional<Value> get(const std::string& key) {
    std::lock_guard lock(mutex_);
    auto found = entries_.find(key);
    if (found == entries_.end()) return std::nullopt;
    if (found->second.expires <= Clock::now()) {
      entries_.erase(found);
      return std::nullopt;
    }
    return found->second.value;
  }

  void put(const std::string& key, Value value) {
    std::lock_guard lock(mutex_);
    const auto now = Clock::now();
    if (entries_.size() >= max_entries_) {
      std::erase_if(entries_, [&](const auto& item) { return item.second.expires <= now; });
      if (entries_.size() >= max_entries_) entries_.clear();
    }
    entries_[key] = Entry{std::move(value), now + ttl_};
  }

  void erase(const std::string& key) {
    std::lock_guard lock(mutex_);
    entries_.erase(key);
  }

  void clear() {
    std::lock_guard lock(mutex_);
    entries_.clear();
  }

 private:
  struct Entry {
    Value value;
    Clock::time_point expires;
  };
  std::chrono::milliseconds ttl_;
  size_t max_entries_;
  std::mutex mutex_;
  std::unordered_map<std::string, Entry> entries_;
};

}  // namespace spanline::auth
