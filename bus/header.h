#pragma once
// The first frame of every bus message: a small msgpack map. Keys are short
// strings so that a newer peer can add fields an older one ignores; a missing key
// keeps its default. Span bytes never go in here: they follow as raw frames.
// bus/README.md is the protocol's specification.

#include <cstdint>
#include <string>
#include <vector>

#include <msgpack.hpp>

#include "base/status.h"

namespace spanline::bus {

inline constexpr uint8_t kProtocolVersion = 1;

enum class MessageType : uint16_t {
  invalid = 0,
  ping = 1,        // any ROUTER stage: are you alive?
  pong = 2,
  error = 3,       // reply to any request that failed: code + message
  append = 10,     // gateway -> wal: one payload frame for one partition
  append_ack = 11, // wal -> gateway: synced, with the sequence number assigned
  read = 20,       // consumer -> wal: entries of a partition after a sequence
  read_reply = 21, // wal -> consumer: one payload frame per entry
  join = 22,       // indexer -> every wal: "I am a live member of this group" (protocol/wal/group_membership.h)
  join_reply = 23, // wal -> indexer: the partitions of that WAL assigned to the asker, with their replicas
  stats = 30,      // every stage -> api (PUB/SUB): counters once a second
  query = 40,      // api -> indexer: a JSON query over some of the indexer's partitions
  query_reply = 41,  // indexer -> api: the JSON answer, one result per partition asked
  snapshot = 42,        // indexer -> indexer: a chunk of a consistent copy of one shard (protocol/query/snapshot_messages.h)
  snapshot_reply = 43,  // indexer -> indexer: the chunk, as one payload frame
  auth = 50,         // gateway, api, CLI -> auth-responder: one JSON request {"op", ...}
  auth_reply = 51,   // auth-responder -> asker: the JSON answer
  auth_event = 52,   // auth-responder -> gateways and api (PUB/SUB): a revocation or key rotation
};

// What a WAL entry holds; the indexers decode each kind differently.
enum class SignalKind : uint8_t { traces = 1, logs = 2, metrics = 3 };

struct Header {
  uint8_t version = kProtocolVersion;
  uint16_t type = 0;           // MessageType
  uint64_t request_id = 0;     // echoed in the reply
  int32_t partition = -1;
  uint64_t sequence = 0;       // append_ack: assigned; read: read after this; read_reply: durable head
  uint64_t first_sequence = 0; // read_reply: oldest entry still retained
  uint64_t count = 0;          // append: items (spans) in the payload; read: max entries
  uint64_t max_bytes = 0;      // read: reply size budget
  uint32_t wait_ms = 0;        // read: how long to hold the request when nothing is new
  uint32_t deadline_ms = 0;    // query: the asker gives up after this long; 0 = the answerer's default
  uint8_t kind = 0;            // append: SignalKind
  uint8_t code = 0;            // error: spanline::Code
  std::string message;         // error: words for a person
  std::string consumer;        // read: consumer group, for retention
  std::string instance;        // read: the consumer instance; one instance of a group owns a partition
  uint64_t committed = 0;      // read: the consumer's durably committed sequence
  uint32_t partitions = 0;     // every wal reply: the WAL's partition count; append: the count the sender split by (0: not said)
  uint64_t epoch = 0;          // read: the assignment epoch a group member reads under (0: not a group member; protocol/wal/group_membership.h)
  std::string owned;           // every wal reply: the partitions this WAL owns ("0-3", "4,6"; "" in a reply of a WAL from before ownership: all)
  std::string log_id;          // read_reply: the identity of the WAL's log; sequences count in one log ("": a WAL from before identities);
                               // read: the log the reader's `committed` counts in ("": not known); another log's cursor is not noted
  std::vector<uint64_t> sequences;     // read_reply: per entry
  std::vector<uint8_t> kinds;          // read_reply: per entry
  std::vector<int64_t> received_nanos; // read_reply: per entry, when the WAL accepted it
  std::vector<uint32_t> counts;        // read_reply: items per entry

  MessageType message_type() const { return static_cast<MessageType>(type); }

  MSGPACK_DEFINE_MAP(MSGPACK_NVP("v", version), MSGPACK_NVP("t", type), MSGPACK_NVP("id", request_id),
                     MSGPACK_NVP("p", partition), MSGPACK_NVP("s", sequence), MSGPACK_NVP("fs", first_sequence),
                     MSGPACK_NVP("n", count), MSGPACK_NVP("mb", max_bytes), MSGPACK_NVP("w", wait_ms), MSGPACK_NVP("dl", deadline_ms),
                     MSGPACK_NVP("k", kind), MSGPACK_NVP("c", code), MSGPACK_NVP("m", message),
                     MSGPACK_NVP("g", consumer), MSGPACK_NVP("i", instance), MSGPACK_NVP("cs", committed), MSGPACK_NVP("pc", partitions), MSGPACK_NVP("ow", owned), MSGPACK_NVP("ep", epoch), MSGPACK_NVP("lg", log_id),
                     MSGPACK_NVP("ss", sequences),
                     MSGPACK_NVP("ks", kinds), MSGPACK_NVP("rt", received_nanos), MSGPACK_NVP("ns", counts))
};

Header make_header(MessageType type, uint64_t request_id = 0);
Header make_error(uint64_t request_id, const Status& status);
// An error reply turned back into the Status it carries.
Status status_of(const Header& header);

std::string encode_header(const Header& header);
Result<Header> decode_header(const void* data, size_t size);

// Limits for unpacking `size` bytes of msgpack from a peer: no array, map,
// string or binary longer than the input itself (every element takes at least
// a byte) and containers nested at most 8 deep (ours use 2), so a few bytes
// that claim a four-billion-entry map are refused instead of making msgpack
// allocate for it up front.
msgpack::unpack_limit unpack_limit_for(size_t size);

}  // namespace spanline::bus
