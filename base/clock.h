#pragma once

#include <chrono>
#include <cstdint>

namespace spanline {

inline int64_t unix_nanos_now() {
  return std::chrono::duration_cast<std::chrono::nanoseconds>(std::chrono::system_clock::now().time_since_epoch())
      .count();
}

using SteadyClock = std::chrono::steady_clock;

}  // namespace spanline
