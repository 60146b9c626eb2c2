#include "protocol/wal/group_membership.h"

#include <sstream>

#include "bus/header.h"

namespace spanline::wal {
namespace {

template <typename Message>
std::string pack(const Message& message) {
  std::stringstream out;
  msgpack::pack(out, message);
  return out.str();
}

template <typename Message>
Result<Message> unpack(std::string_view bytes, std::string_view what) {
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

}  // namespace

std::string_view replica_state_name(ReplicaState state) {
  switch (state) {
    case ReplicaState::building: return "building";
    case ReplicaState::ready: return "ready";
    case ReplicaState::leaving: return "leaving";
  }
  return "unknown";
}

std::string encode(const JoinRequest& request) { return pack(request); }
std::string encode(const JoinReply& reply) { return pack(reply); }
Result<JoinRequest> decode_join_request(std::string_view bytes) { return unpack<JoinRequest>(bytes, "join request"); }
Result<JoinReply> decode_join_reply(std::string_view bytes) { return unpack<JoinReply>(bytes, "join reply"); }

}  // namespace spanline::wal
