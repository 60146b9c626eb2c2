#pragma once
// A contract message carried as one msgpack map frame (the group membership
// and snapshot hops): packing it, and unpacking it from a peer's bytes as an
// input boundary (malformed bytes are invalid_argument, never an exception;
// sizes bounded like the bus header's, bus::unpack_limit_for).

#include <sstream>
#include <string>
#include <string_view>

#include <msgpack.hpp>

#include "base/status.h"
#include "bus/header.h"

namespace spanline::protocol {

template <typename Message>
std::string pack_map(const Message& message) {
  std::stringstream out;
  msgpack::pack(out, message);
  return out.str();
}

// `what` names the message in errors ("join request").
template <typename Message>
Result<Message> unpack_map(std::string_view bytes, std::string_view what) {
  // msgpack-cxx reports malformed input with exceptions; the bus is an input boundary.
  try {
    msgpack::object_handle handle = msgpack::unpack(bytes.data(), bytes.size(), nullptr, nullptr, bus::unpack_limit_for(bytes.size()));
    if (handle.get().type != msgpack::type::MAP) return Status(Code::invalid_argument, std::string(what) + " is not a msgpack map");
    Message message;
    handle.get().convert(message);
    return message;
  } catch (const std::exception& e) {
    return Status(Code::invalid_argument, "malformed " + std::string(what) + ": " + e.what());
  }
}

}  // namespace spanline::protocol
