#pragma once
// Every setting of the `spanline` command; register_options() documents each
// one for --help and the README. Most belong to one command (their help says
// which); `up` passes the data folder, the log level and the bus key on to
// every stage it starts.

#include <chrono>
#include <cstdint>
#include <string>
#include <string_view>

#include "base/options.h"
#include "base/status.h"
#include "protocol/wal/partitions.h"
#include "bus/security/bus_key.h"
#include "skeleton/stage_config.h"
#include "stages/launcher/admin_commands.h"

namespace spanline::launcher {

struct LauncherConfig {
  std::string data_dir = "./spanline-data";
  std::string bin_dir;  // empty: next to this program
  std::string log_level = "info";
  std::string grpc_address = "0.0.0.0:50051";
  std::string http_address = "0.0.0.0:4318";
  std::string api_address = "0.0.0.0:1323";
  std::string web_dir;
  std::string allowed_hosts;
  uint32_t partitions = 0;  // 0: the WAL's (its default for a new data folder)
  std::chrono::milliseconds stop_grace{std::chrono::seconds(15)};
  std::string wal_endpoint{stage::default_endpoint::kWal};
  std::string service;
  int64_t before_unix_seconds = 0;
  AdminArgs admin{.auth_endpoint = std::string(stage::default_endpoint::kAuth)};
  std::string curve_secret_key;
  std::string keygen_out;

  void register_options(Options& options) {
    options.add("data-dir", &data_dir, "Data folder for every stage (WAL, index, metadata, ipc sockets).")
        .add("bin-dir", &bin_dir, "Folder holding the stage binaries; empty means the folder of this program.")
        .add("log-level", &log_level, "debug, info, warn or error.")
        .add("grpc-address", &grpc_address, "OTLP/gRPC listen address of the gateway.")
        .add("http-address", &http_address, "OTLP/HTTP listen address of the gateway.")
        .add("api-address", &api_address, "HTTP listen address of the api (REST API and web UI).")
        .add("web-dir", &web_dir, "Folder of the built web UI; empty means the api's default.")
        .add("allowed-hosts", &allowed_hosts,
             "up: host names the api answers to besides localhost and its own address (the api's --allowed-hosts), e.g. the name people type to reach it.")
        .add("partitions", &partitions, "up: partition count of a new data folder, given to the WAL, which keeps it (0: the WAL's default); the other stages learn it from the WAL.")
        .add("stop-grace", &stop_grace,
             "How long each stop group (gateway; api and indexer; auth; WAL, in that order) may take to stop before it is "
             "killed.")
        .add("wal-endpoint", &wal_endpoint, "reindex: bus endpoint of the WAL (or a comma-separated list of every WAL).")
        .add("service", &service, "delete: the service whose spans are deleted.")
        .add("before", &before_unix_seconds, "delete: only spans that started before this time (unix seconds); 0 means now.")
        .add("auth-endpoint", &admin.auth_endpoint, "user, key, signing-key: bus endpoint of the auth-responder.")
        .add("email", &admin.email, "user create: the new user's email.")
        .add("password", &admin.password, "user create: the new user's password (prefer stdin or the environment to a flag).")
        .add("name", &admin.name, "key create: a name for the key, to recognise it later (no control characters).")
        .add("role", &admin.role, "user create: admin, member or viewer (empty: member; the first user is always admin).")
        .add("json", &admin.json, "user list, key list, key create: print JSON.")
        .add("curve-secret-key", &curve_secret_key,
             std::string(bus::kCurveSecretKeyHelp) + " `up` passes it to every stage; the other commands use it on the bus.")
        .add("out", &keygen_out, "keygen: write the key to this new file instead of printing it.");
  }

  // The path of a stage's binary: in --bin-dir, else next to this program.
  std::string binary(std::string_view name) const;
  // The --partitions an indexer command is given: every partition (empty: all of the WAL's).
  std::string indexer_partitions() const { return partitions == 0 ? "" : "0-" + std::to_string(partitions - 1); }

  Status check() const {
    return partitions == 0 ? Status::ok() : wal::check_partition_count_range(partitions, "--partitions");
  }
};

}  // namespace spanline::launcher
