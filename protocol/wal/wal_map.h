#pragma once
// Which WAL owns which partition, learned from the WALs themselves: the one
// place a gateway, an indexer, the api or a CLI command finds where a
// partition's log lives. The stage is given the WALs' endpoints (one or more,
// `--wal-endpoint tcp://a:7001,tcp://b:7001`); which partitions each owns, and
// the partition count, come only from the WALs' replies (header `pc` and `ow`
// in every reply), never from a per-stage list.
//
// How it works: one request client (DEALER) per WAL endpoint; a thread pings
// every WAL every 200 ms until it has answered, then every second. Ownership
// learned from a WAL is kept while that WAL is down, so a part for a partition
// whose WAL is gone is still sent there and fails UNAVAILABLE after its
// deadline (retryable), rather than being sent to a WAL that would refuse it.
// Two WALs claiming one partition, or disagreeing on the count, is a
// configuration error: the partition (or every partition) is unavailable, and
// the error is logged naming both.
//
// Threads: every method from any thread. Construct, then call start().

#include <chrono>
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "base/status.h"
#include "bus/context.h"
#include "bus/request_client.h"

namespace spanline::wal {

// "a,b" -> {"a", "b"}; invalid_argument when empty or an item is empty.
Result<std::vector<std::string>> parse_wal_endpoints(const std::string& list);

struct WalView {
  std::string endpoint;
  std::string instance;             // as the WAL's replies name it (empty until it answered)
  std::vector<uint32_t> owned;      // the partitions it owns (empty until it answered)
  bool answering = false;           // answered its last ping
};

class WalMap {
 public:
  // `who` names the stage in messages ("the gateway"); `configured_partitions`
  // is its own --partitions (0: take the WALs'); `max_in_flight` per WAL client.
  WalMap(bus::Context& context, std::vector<std::string> endpoints, std::string who, uint32_t configured_partitions,
         size_t max_in_flight);
  ~WalMap();
  WalMap(const WalMap&) = delete;
  WalMap& operator=(const WalMap&) = delete;

  // The partition count: unavailable until a WAL answered, and while the WALs
  // disagree (naming both: a WAL's configuration to fix, not the asker's);
  // failed_precondition when it differs from the asker's configured one.
  Result<uint32_t> count() const;
  // count(), waiting up to `timeout` until every WAL has been asked once
  // (answered or failed; a WAL that is down costs its first ping's second,
  // once) and one has told the count.
  Result<uint32_t> wait(std::chrono::milliseconds timeout) const;
  // The client of the WAL owning `partition`: unavailable naming why when no
  // WAL has claimed it (or two have).
  Result<bus::RequestClient*> owner(uint32_t partition) const;
  // True when `partition` has one owner and that WAL answered its last ping:
  // where something that may go to any partition (logs, metrics) is sent.
  bool owner_answering(uint32_t partition) const;
  // Every WAL's client, in the order of the endpoints (a member joins each).
  std::vector<bus::RequestClient*> clients() const;
  std::vector<WalView> wals() const;
  // The endpoints as given, comma-joined (for messages).
  const std::string& endpoints_text() const;

 private:
  struct State;
  std::unique_ptr<State> state_;
};

}  // namespace spanline::wal
