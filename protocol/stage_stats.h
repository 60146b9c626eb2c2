#pragma once
// Names in the stats some stages publish (bus/stats.h) that the api reads for
// its pipeline view and health conditions, declared once for both ends.

#include <string_view>

namespace spanline::stats_names {

// The gateway's listen addresses (host:port, the port as bound), in `info`:
// exporter snippets in the web UI are built from them.
inline constexpr std::string_view kGatewayGrpcAddress = "grpc_address";
inline constexpr std::string_view kGatewayHttpAddress = "http_address";  // absent when OTLP/HTTP is off

// The WAL's log size on disk and its --wal-disk-budget, in bytes, as gauges.
inline constexpr std::string_view kWalDiskBytes = "disk_bytes";
inline constexpr std::string_view kWalDiskBudgetBytes = "disk_budget_bytes";

// The partitions a WAL owns, in `info`, as a list ("0-3", "4,6"; base/options.h
// parse_uint_list reads it). Absent from a WAL from before ownership: all.
inline constexpr std::string_view kWalOwnedPartitions = "owned_partitions";
// A WAL's assignment of its partitions to the members of a joined consumer group,
// in `info` (stages/wal/group_assignment.h), refreshed at most once a second:
// {"group","replicas","member_timeout_ms","members":[{"instance","query_endpoint",
// "silent_ms"}],"partitions":[{"partition","epoch","head","moves","replicas":
// [{"instance","state","committed"}]}]}; absent while no group has joined.
inline constexpr std::string_view kWalAssignment = "assignment";
// Counter: replicas a WAL added to its partitions after their first assignment.
inline constexpr std::string_view kWalPartitionMoves = "partition_moves";

// An indexer's lag per partition: gauges named "<prefix>.p<partition>".
inline constexpr std::string_view kIndexerLagSeconds = "lag_seconds";

// An indexer's replica state per partition it holds, in `info`: "0:ready,3:building"
// (wal/group_membership.h's state names). Absent for a static --partitions indexer: all ready.
inline constexpr std::string_view kIndexerReplicaStates = "replica_states";

}  // namespace spanline::stats_names
