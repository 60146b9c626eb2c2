#pragma once
// The indexer group's hop to the WALs: how indexers join a consumer group and
// learn which partitions they index, declared once for both ends.
//
// Who decides: each WAL assigns the partitions it owns, and only those, among
// the members of the group it has heard from (stages/wal/group_assignment).
// So every partition has exactly one authority, the WAL that holds its log,
// and the reads it serves are where the assignment is enforced (fencing).
//
// The exchange: every member sends `join` to every WAL each kJoinInterval
// (header `g` = group, `i` = instance; one payload frame, a JoinRequest). The
// WAL answers `join_reply` with one frame, a JoinReply: that WAL's partitions
// assigned to the asker and, for each, its replicas. A member the WAL has not
// heard from for its --wal-member-timeout is gone: its partitions go to the
// others.
//
// Replica states: a replica added to a partition is `building` (copying a
// snapshot from a `ready` replica, then catching up from the WAL) until it has
// committed the WAL's head as of when it was added; it is then `ready`. A
// replica that the assignment no longer wants is `leaving`: it keeps indexing
// and answering until enough replicas are ready, then it is dropped, and from
// then on the WAL refuses its reads (failed_precondition). A partition whose
// replicas are all gone gets new ones as `ready` at once: there is nothing to
// copy and nobody better to answer.
//
// Reads: a member's reads carry the epoch of the assignment it reads under
// (bus header `ep`, > 0). The WAL refuses (failed_precondition) a read with an
// epoch from an instance that is not a replica of the partition, except while
// settling; reads without an epoch (static --partitions indexers, commands)
// keep the per-partition lease.

#include <chrono>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include <msgpack.hpp>

#include "base/status.h"

namespace spanline::wal {

// How often a member joins each WAL; the WAL's member timeout is a multiple of it.
inline constexpr std::chrono::milliseconds kJoinInterval{1000};

// How long a partition's leaving replicas are kept after its new replicas
// became ready: the time for that readiness to reach every api (the member
// learns it at its next join, then announces it in its stats once a second),
// so no api is ever left with only replicas it still thinks are building.
inline constexpr std::chrono::milliseconds kHandoverGrace{3000};

enum class ReplicaState : uint8_t { building = 1, ready = 2, leaving = 3 };
std::string_view replica_state_name(ReplicaState state);  // "building", "ready", "leaving"

// A shard the member has (open, or on its disk): the WAL assigns a partition
// to a member that already holds it up to date as `ready` rather than `building`.
struct HeldShard {
  uint32_t partition = 0;
  uint64_t committed = 0;  // the shard's cursor
  // The identity of the WAL log the cursor counts in (bus header `lg`; "": not known yet). A WAL
  // ignores a shard held in another log: its cursor says nothing of this one.
  std::string log;
  MSGPACK_DEFINE_MAP(MSGPACK_NVP("p", partition), MSGPACK_NVP("cs", committed), MSGPACK_NVP("lg", log))
};

struct JoinRequest {
  std::string query_endpoint;    // where this member answers queries and snapshot requests (its --query-advertise)
  std::vector<HeldShard> held;   // the shards it holds of that WAL's partitions (all it holds is fine too)
  MSGPACK_DEFINE_MAP(MSGPACK_NVP("qe", query_endpoint), MSGPACK_NVP("h", held))
};

struct ReplicaView {
  std::string instance;
  std::string query_endpoint;
  uint8_t state = 0;       // ReplicaState
  uint64_t committed = 0;  // the last committed sequence it reported to this WAL
  MSGPACK_DEFINE_MAP(MSGPACK_NVP("i", instance), MSGPACK_NVP("qe", query_endpoint), MSGPACK_NVP("st", state),
                     MSGPACK_NVP("cs", committed))
};

struct PartitionAssignment {
  uint32_t partition = 0;
  uint64_t epoch = 0;                 // increases with every change of this partition's replicas
  uint8_t state = 0;                  // the asker's ReplicaState on this partition
  std::vector<ReplicaView> replicas;  // every replica, the asker included
  MSGPACK_DEFINE_MAP(MSGPACK_NVP("p", partition), MSGPACK_NVP("e", epoch), MSGPACK_NVP("st", state),
                     MSGPACK_NVP("r", replicas))
};

struct JoinReply {
  std::string wal_instance;
  uint32_t replicas = 1;                        // R: how many members index each partition (--index-replicas of that WAL)
  uint32_t member_timeout_ms = 0;               // silence after which that WAL drops a member
  std::vector<PartitionAssignment> assigned;    // that WAL's partitions where the asker is a replica
  // The WAL started less than a member timeout ago and is still hearing from
  // the members: `assigned` is empty and means nothing; keep indexing what you
  // indexed from this WAL. (A restarted WAL does not reshuffle a settled group:
  // once it has heard everyone, the same members give the same assignment.)
  bool settling = false;
  MSGPACK_DEFINE_MAP(MSGPACK_NVP("wi", wal_instance), MSGPACK_NVP("R", replicas), MSGPACK_NVP("mt", member_timeout_ms),
                     MSGPACK_NVP("a", assigned), MSGPACK_NVP("st", settling))
};

std::string encode(const JoinRequest& request);
std::string encode(const JoinReply& reply);
// invalid_argument for bytes that are not the message (bounded like the bus header).
Result<JoinRequest> decode_join_request(std::string_view bytes);
Result<JoinReply> decode_join_reply(std::string_view bytes);

}  // namespace spanline::wal
