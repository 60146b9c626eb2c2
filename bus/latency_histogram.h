#pragma once
// Latency histograms as they travel in query answers (LLM usage): bucket b
// holds durations up to 1 us * 2^(b/8), so 8 buckets per doubling (about 9%
// resolution). Indexers count into buckets; the api adds the buckets of every
// partition and reads percentiles from the sum, which per-partition
// percentiles could not give.

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <map>

namespace spanline::bus {

inline int latency_bucket(int64_t duration_ns) {
  if (duration_ns <= 1000) return 0;
  double octaves = std::log2(static_cast<double>(duration_ns) / 1000.0);
  return std::min(1 + static_cast<int>(octaves * 8), 400);
}

inline int64_t latency_bucket_upper_ns(int bucket) {
  if (bucket <= 0) return 1000;
  return static_cast<int64_t>(1000.0 * std::exp2(static_cast<double>(bucket) / 8.0));
}

// The upper bound of the bucket holding quantile `q` (0..1); 0 when empty.
inline int64_t histogram_quantile_ns(const std::map<int, int64_t>& buckets, double q) {
  int64_t total = 0;
  for (const auto& [bucket, count] : buckets) total += count;
  if (total == 0) return 0;
  const auto rank = static_cast<int64_t>(std::ceil(q * static_cast<double>(total)));
  int64_t seen = 0;
  for (const auto& [bucket, count] : buckets) {
    seen += count;
    if (seen >= std::max<int64_t>(rank, 1)) return latency_bucket_upper_ns(bucket);
  }
  return latency_bucket_upper_ns(buckets.rbegin()->first);
}

}  // namespace spanline::bus
