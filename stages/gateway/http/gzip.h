#pragma once
// gzip request bodies (Content-Encoding: gzip) for OTLP/HTTP. The output is
// capped so a small compressed body cannot expand into unbounded memory.

#include <cstddef>
#include <string>
#include <string_view>

#include "base/status.h"

namespace spanline::gateway {

// resource_exhausted past `max_output_bytes`; invalid_argument when corrupt.
Result<std::string> gunzip(std::string_view body, size_t max_output_bytes);

// For tests and tools.
std::string gzip(std::string_view data);

}  // namespace spanline::gateway
