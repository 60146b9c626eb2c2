// spanline: the command-line front door. `spanline up` runs the whole pipeline
// on one machine with embedded defaults.
#include <fcntl.h>
#include <unistd.h>

#include <cstdio>
#include <cstring>
#include <ctime>
#include <filesystem>
#include <thread>

#include "bus/context.h"

#include "protocol/auth/auth_client.h"
#include "base/clock.h"
#include "base/log.h"
#include "base/options.h"
#include "base/private_files.h"
#include "base/signals.h"
#include "stages/indexer/deletions.h"
#include "stages/indexer/reindex.h"
#include "stages/indexer/shard.h"
#include "stages/launcher/admin_commands.h"
#include "stages/launcher/data_folder_claim.h"
#include "stages/launcher/supervisor.h"

namespace {

std::string own_directory() {
  std::error_code ec;
  auto self = std::filesystem::read_symlink("/proc/self/exe", ec);
  return ec ? std::string(".") : self.parent_path().string();
}

std::vector<uint32_t> all_partitions(uint32_t count) {
  std::vector<uint32_t> out;
  for (uint32_t p = 0; p < count; ++p) out.push_back(p);
  return out;
}

// `spanline delete`: records the deletion (so the WAL cannot bring the data
// back) and removes the rows from every shard now.
int delete_service(const std::string& data_dir, uint32_t partitions, const std::string& service, int64_t before_ns) {
  using namespace spanline;
  if (service.empty()) {
    std::fprintf(stderr, "spanline delete: --service is required\n");
    return 2;
  }
  if (Status recorded = indexer::Deletions::record(data_dir, {service, before_ns}); !recorded.is_ok()) {
    std::fprintf(stderr, "spanline delete: %s\n", recorded.to_string().c_str());
    return 1;
  }
  uint64_t traces = 0;
  for (uint32_t p : all_partitions(partitions)) {
    std::string path = indexer::shard_path(data_dir, p);
    if (!std::filesystem::exists(path)) continue;
    auto shard = indexer::Shard::open(path, p);
    if (!shard) {
      std::fprintf(stderr, "spanline delete: partition %u: %s\n", p, shard.status().to_string().c_str());
      return 1;
    }
    auto deleted = (*shard)->delete_service(service, before_ns);
    if (!deleted) {
      std::fprintf(stderr, "spanline delete: partition %u: %s\n", p, deleted.status().to_string().c_str());
      return 1;
    }
    traces += *deleted;
  }
  std::printf("deleted the spans of service '%s' from %llu traces; recorded in %s so re-indexing keeps them deleted\n",
              service.c_str(), static_cast<unsigned long long>(traces), indexer::Deletions::path(data_dir).c_str());
  return 0;
}

// `spanline keygen`: a new bus key pair, printed or written to a new file only
// its owner can read. Never overwrites: replacing a deployment's key is a
// decision, not a side effect.
int keygen(const std::string& out_path) {
  using namespace spanline;
  auto key = bus::generate_bus_key();
  if (!key) {
    std::fprintf(stderr, "spanline keygen: %s\n", key.status().to_string().c_str());
    return 1;
  }
  char created[32];
  std::time_t now = std::time(nullptr);
  std::strftime(created, sizeof created, "%Y-%m-%dT%H:%M:%SZ", std::gmtime(&now));
  std::string text = bus::key_file_text(*key, created);
  if (out_path.empty()) {
    std::fputs(text.c_str(), stdout);
    return 0;
  }
  int fd = ::open(out_path.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
  if (fd < 0) {
    std::fprintf(stderr, "spanline keygen: cannot create %s: %s%s\n", out_path.c_str(), std::strerror(errno),
                 errno == EEXIST ? " (keygen never overwrites a key file)" : "");
    return 1;
  }
  bool written = ::write(fd, text.data(), text.size()) == static_cast<ssize_t>(text.size()) && ::fsync(fd) == 0;
  ::close(fd);
  if (!written) {
    std::fprintf(stderr, "spanline keygen: cannot write %s\n", out_path.c_str());
    return 1;
  }
  std::printf("wrote the bus key to %s (public key %s)\n"
              "give every stage SPANLINE_CURVE_SECRET_KEY=%s (or --curve-secret-key)\n",
              out_path.c_str(), key->public_z85.c_str(), out_path.c_str());
  return 0;
}

// A first-user setup token from the auth-responder while no user exists; empty
// once one does. `wait` covers an auth-responder that is still starting.
std::string setup_token(spanline::bus::Context& context, const std::string& auth_endpoint, std::chrono::milliseconds wait,
                        std::string* why_not) {
  using namespace spanline;
  auth::AuthClient client(context, auth_endpoint, std::chrono::seconds(2));
  const auto deadline = SteadyClock::now() + wait;
  for (;;) {
    auto answer = client.call({{"op", "issue_setup_token"}});
    if (answer) return (*answer)["token"].get<std::string>();
    if (answer.status().code() != Code::unavailable || SteadyClock::now() >= deadline) {
      if (why_not != nullptr) *why_not = answer.status().message();
      return {};
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(200));
  }
}

}  // namespace

int main(int argc, char** argv) {
  using namespace spanline;
  block_termination_signals();
  // Whatever a command creates in the data folder (shards, the claim file, sockets) is for this user only.
  create_files_private();
  std::string data_dir = "./spanline-data";
  std::string bin_dir;  // empty: next to this program
  std::string log_level = "info";
  std::string grpc_address = "0.0.0.0:50051";
  std::string http_address = "0.0.0.0:4318";
  std::string api_address = "0.0.0.0:1323";
  std::string web_dir;
  uint32_t partitions = 4;
  std::chrono::milliseconds stop_grace{std::chrono::seconds(15)};
  std::string wal_endpoint = "ipc://{data-dir}/run/wal.sock";
  std::string service;
  int64_t before_unix_seconds = 0;
  launcher::AdminArgs admin{.auth_endpoint = "ipc://{data-dir}/run/auth.sock"};
  std::string curve_secret_key;
  std::string keygen_out;
  std::string allowed_hosts;
  Options options("spanline",
                  "Spanline: an observability server for AI workflows.\n"
                  "Commands:\n"
                  "  up       start every stage as its own process (wal, auth, gateway, indexer, api), restart any that\n"
                  "           dies, stop all on Ctrl-C or SIGTERM\n"
                  "  reindex  rebuild every shard from what the WAL still holds (stop the indexers first;\n"
                  "           the WAL must run), with a progress bar\n"
                  "  delete   delete a service's data: spanline delete --service S [--before UNIX_SECONDS]\n"
                  "  user create --email E [--password P] [--role admin|member|viewer]   add a user (password read\n"
                  "           from stdin when not given; role member unless given)\n"
                  "  user list | user delete <id> (revokes their keys) | user role <id> admin|member|viewer\n"
                  "  key create --name N   create an ingest API key (owned by the first admin); prints it once\n"
                  "  key list (with owners) | key revoke <id>\n"
                  "  signing-key rotate   replace the JWT signing key (tokens already issued stay valid)\n"
                  "  setup-token   a one-time token for first-user setup from another machine (while no user exists)\n"
                  "  keygen [--out FILE]  a new bus CURVE key pair for --curve-secret-key (printed, or written to a new\n"
                  "           file readable by its owner only)\n"
                  "The user, key and signing-key commands ask the running auth-responder (--auth-endpoint).",
                  "up|reindex|delete|user|key|signing-key|setup-token|keygen [options]");
  options.add("data-dir", &data_dir, "Data folder for every stage (WAL, index, metadata, ipc sockets).")
      .add("bin-dir", &bin_dir, "Folder holding the stage binaries; empty means the folder of this program.")
      .add("log-level", &log_level, "debug, info, warn or error.")
      .add("grpc-address", &grpc_address, "OTLP/gRPC listen address of the gateway.")
      .add("http-address", &http_address, "OTLP/HTTP listen address of the gateway.")
      .add("api-address", &api_address, "HTTP listen address of the api (REST API and web UI).")
      .add("web-dir", &web_dir, "Folder of the built web UI; empty means the api's default.")
      .add("allowed-hosts", &allowed_hosts,
           "up: host names the api answers to besides localhost and its own address (the api's --allowed-hosts), e.g. the name people type to reach it.")
      .add("partitions", &partitions, "Number of partitions.")
      .add("stop-grace", &stop_grace,
           "How long each stop group (gateway; api and indexer; auth; WAL, in that order) may take to stop before it is "
           "killed.")
      .add("wal-endpoint", &wal_endpoint, "reindex: bus endpoint of the WAL.")
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
  auto parsed = options.parse(argc, argv);
  if (!parsed) {
    std::fprintf(stderr, "spanline: %s\n", parsed.status().message().c_str());
    return 2;
  }
  if (parsed->exit_now) return 0;
  if (partitions == 0 || partitions > 65536) {
    std::fprintf(stderr, "spanline: --partitions must be between 1 and 65536\n");
    return 2;
  }
  std::string command = parsed->positional.empty() ? "" : parsed->positional[0];
  if (command == "keygen") return keygen(keygen_out);
  auto bus_key = bus::bus_key_or_explain("spanline", curve_secret_key);
  if (!bus_key) return 2;
  if (command == "reindex") {
    indexer::ReindexOptions reindex_options{data_dir, expand_data_dir(wal_endpoint, data_dir), all_partitions(partitions), true,
                                          *bus_key};
    auto done = indexer::reindex(reindex_options);
    if (!done) {
      std::fprintf(stderr, "spanline reindex: %s\n", done.status().to_string().c_str());
      return 1;
    }
    std::printf("reindexed %llu WAL entries, %llu spans\n", static_cast<unsigned long long>(done->entries),
                static_cast<unsigned long long>(done->spans));
    return 0;
  }
  if (command == "delete") {
    constexpr int64_t kLastSecond = INT64_MAX / 1'000'000'000;  // April 2262, as far as nanoseconds go
    if (before_unix_seconds < 0 || before_unix_seconds > kLastSecond) {
      std::fprintf(stderr, "spanline delete: --before is unix seconds between 0 (now) and %lld\n", static_cast<long long>(kLastSecond));
      return 2;
    }
    int64_t before_ns = before_unix_seconds == 0 ? unix_nanos_now() : before_unix_seconds * 1'000'000'000;
    return delete_service(data_dir, partitions, service, before_ns);
  }
  if (command == "setup-token") {
    bus::Context context(*bus_key);
    std::string why_not;
    std::string token = setup_token(context, expand_data_dir(admin.auth_endpoint, data_dir), std::chrono::seconds(0), &why_not);
    if (token.empty()) {
      std::fprintf(stderr, "spanline setup-token: %s\n", why_not.c_str());
      return 1;
    }
    std::printf("%s\n", token.c_str());
    return 0;
  }
  if (command == "user" || command == "key" || command == "signing-key") {
    admin.auth_endpoint = expand_data_dir(admin.auth_endpoint, data_dir);
    admin.positional = parsed->positional;
    admin.bus_key = *bus_key;
    return launcher::run_admin_command(admin);
  }
  if (command != "up") {
    std::fprintf(stderr, "spanline: say what to do: up, reindex, delete, user, key, signing-key, setup-token or keygen (see --help)\n");
    return 2;
  }
  if (bin_dir.empty()) bin_dir = own_directory();
  log::Level level = log::Level::info;
  log::parse_level(log_level, level);
  log::init("launcher", level);
  std::error_code ec;
  std::filesystem::create_directories(data_dir, ec);
  make_data_folder_private(data_dir);
  data_dir = std::filesystem::absolute(data_dir).lexically_normal().string();
  if (data_dir.size() > 1 && data_dir.back() == '/') data_dir.pop_back();

  std::vector<std::string> common = {"--data-dir", data_dir, "--log-level", log_level};
  if (!curve_secret_key.empty()) {
    common.insert(common.end(), {"--curve-secret-key", curve_secret_key});
  }
  auto with = [&](std::vector<std::string> extra) {
    extra.insert(extra.begin(), common.begin(), common.end());
    return extra;
  };
  // One launcher per data folder: a second set of stages would fight the first
  // over the WAL, the shards and the ports.
  auto claim = launcher::DataFolderClaim::acquire(data_dir);
  if (!claim) {
    std::fprintf(stderr, "spanline up: %s\n", claim.status().message().c_str());
    return 1;
  }
  // Started in this order, stopped by stop_group: ingress first, the WAL last.
  enum StopGroup { kGateway = 0, kReaders = 1, kAuth = 2, kWal = 3 };
  std::vector<launcher::StageSpec> stages = {
      {"wal", bin_dir + "/spanline-wal", with({}), kWal},
      {"auth", bin_dir + "/spanline-auth", with({}), kAuth},
      {"gateway", bin_dir + "/spanline-gateway",
       with({"--grpc-address", grpc_address, "--http-address", http_address, "--partitions", std::to_string(partitions)}),
       kGateway},
      {"indexer", bin_dir + "/spanline-indexer",
       with({"--partitions", "0-" + std::to_string(partitions - 1), "--instance", "indexer-1"}), kReaders},
      {"api", bin_dir + "/spanline-api",
       with({"--listen", api_address, "--partitions", std::to_string(partitions), "--web-dir", web_dir, "--allowed-hosts",
             allowed_hosts}),
       kReaders},
  };
  launcher::Supervisor supervisor(std::move(stages));
  if (Status started = supervisor.start_all(); !started.is_ok()) {
    log::error("cannot start the pipeline", {{"error", started.to_string()}});
    supervisor.stop_all(stop_grace);
    return 1;
  }
  (*claim)->record(supervisor.running());
  uint64_t recorded = supervisor.generation();
  std::printf("Spanline is starting (data in %s)\n"
              "  OTLP/gRPC  %s\n"
              "  OTLP/HTTP  %s  (POST /v1/traces, /v1/logs, /v1/metrics)\n"
              "  WAL bus    ipc://%s/run/wal.sock\n"
              "  index      %s/index/part-<p>.sqlite (one indexer owns all %u partitions)\n"
              "  API + UI   http://%s  (OpenAPI at /api/openapi.json, health at /health)\n"
              "Press Ctrl-C to stop.\n",
              data_dir.c_str(), grpc_address.c_str(), http_address.c_str(), data_dir.c_str(), data_dir.c_str(), partitions,
              api_address.c_str());
  {
    // While no user exists, whoever reaches the api first would own the
    // deployment: setup from another machine needs this token (from this
    // machine's loopback interface it needs none).
    bus::Context context(*bus_key);
    std::string token = setup_token(context, expand_data_dir(admin.auth_endpoint, data_dir), std::chrono::seconds(10), nullptr);
    if (!token.empty()) {
      std::printf("No user exists yet. Create the first one at http://localhost%s (from this machine), or from another\n"
                  "machine with this one-time setup token (single use; `spanline setup-token` prints a new one):\n"
                  "  %s\n",
                  api_address.substr(api_address.rfind(':')).c_str(), token.c_str());
    }
  }
  std::fflush(stdout);
  int exit_code = 0;
  for (;;) {
    if (auto sig = wait_for_termination_signal(std::chrono::milliseconds(200))) {
      log::info("stopping every stage", {{"signal", *sig}});
      break;
    }
    if (Status ticked = supervisor.tick(); !ticked.is_ok()) {
      // Restarting it forever would hide the cause behind a pipeline that looks up.
      std::fprintf(stderr, "spanline up: %s; stopping\n", ticked.message().c_str());
      exit_code = 1;
      break;
    }
    if (supervisor.generation() != recorded) {
      (*claim)->record(supervisor.running());
      recorded = supervisor.generation();
    }
  }
  supervisor.stop_all(stop_grace);
  return exit_code;
}
