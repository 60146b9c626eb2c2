#pragma once
// Protobuf wire format by hand, for tests that send what no SDK would (8
// million empty spans, a span of millions of events): materialising such a
// request as protobuf objects in the test would itself be the attack.

#include <cstdint>
#include <string>

namespace spanline::testing {

inline void append_varint(std::string& out, uint64_t value) {
  while (value >= 0x80) {
    out.push_back(static_cast<char>((value & 0x7f) | 0x80));
    value >>= 7;
  }
  out.push_back(static_cast<char>(value));
}

// Field `field` of wire type 2 (length-delimited) holding `body`.
inline std::string length_delimited(uint32_t field, const std::string& body) {
  std::string out;
  append_varint(out, (static_cast<uint64_t>(field) << 3) | 2);
  append_varint(out, body.size());
  return out + body;
}

}  // namespace spanline::testing
