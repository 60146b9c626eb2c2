// The bus's decoders of untrusted message bytes: the msgpack header frame
// every bus message starts with (decode_header) and the stats payload every
// stage publishes to the api (decode_stats), which the api reads into its
// stage directory, partition lists included. Every input goes through both.
//
// Beyond not crashing: whatever decodes re-encodes to bytes that decode to the
// same value (encode(decode(encode(x))) == encode(x)), and an error header
// always turns back into an error Status.

#include <chrono>
#include <cstddef>
#include <cstdint>

#include "stages/api/directory/stage_directory.h"
#include "bus/header.h"
#include "bus/stats.h"
#include "tests/fuzz/fuzz_check.h"

using spanline::fuzz::require;
namespace bus = spanline::bus;

namespace {

void check_header(const uint8_t* data, size_t size) {
  auto header = bus::decode_header(data, size);
  if (!header) {
    require(!header.status().message().empty(), "a refused header says why");
    return;
  }
  const std::string encoded = bus::encode_header(*header);
  auto again = bus::decode_header(encoded.data(), encoded.size());
  require(again.is_ok(), "an encoded header decodes");
  require(bus::encode_header(*again) == encoded, "a header survives encode and decode unchanged");
  const spanline::Status carried = bus::status_of(*header);
  require(carried.is_ok() == (header->message_type() != bus::MessageType::error),
          "status_of is an error exactly for error headers");
  (void)carried.to_string();
}

void check_stats(const uint8_t* data, size_t size) {
  auto snapshot = bus::decode_stats(data, size);
  if (!snapshot) return;
  const std::string encoded = bus::encode_stats(*snapshot);
  auto again = bus::decode_stats(encoded.data(), encoded.size());
  require(again.is_ok(), "encoded stats decode");
  require(bus::encode_stats(*again) == encoded, "stats survive encode and decode unchanged");

  // What the api does with a snapshot: its stage directory, where an indexer's
  // info names the partitions it owns and the WAL's the partition count.
  spanline::api::StageDirectory directory;
  directory.observe(*snapshot);
  (void)directory.instances(true);
  (void)directory.query_replicas(std::chrono::hours(1));
  if (auto partitions = directory.announced_partitions()) {
    require(*partitions > 0 && *partitions <= 4096, "an announced partition count is within 1..4096");
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  check_header(data, size);
  check_stats(data, size);
  return 0;
}
