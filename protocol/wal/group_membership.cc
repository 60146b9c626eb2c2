#include "protocol/wal/group_membership.h"

#include "protocol/msgpack_map.h"

namespace spanline::wal {

std::string_view replica_state_name(ReplicaState state) {
  switch (state) {
    case ReplicaState::building: return "building";
    case ReplicaState::ready: return "ready";
    case ReplicaState::leaving: return "leaving";
  }
  return "unknown";
}

std::string encode(const JoinRequest& request) { return protocol::pack_map(request); }
std::string encode(const JoinReply& reply) { return protocol::pack_map(reply); }
Result<JoinRequest> decode_join_request(std::string_view bytes) { return protocol::unpack_map<JoinRequest>(bytes, "join request"); }
Result<JoinReply> decode_join_reply(std::string_view bytes) { return protocol::unpack_map<JoinReply>(bytes, "join reply"); }

}  // namespace spanline::wal
