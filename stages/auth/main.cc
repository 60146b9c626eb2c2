// spanline-auth: the auth-responder, the only process that owns identity.
#include <cstdio>
#include <filesystem>

#include "bus/ping.h"
#include "bus/stats.h"
#include "bus/worker_router.h"
#include "stages/auth/auth_config.h"
#include "stages/auth/responder/auth_service.h"
#include "base/log.h"
#include "base/options.h"
#include "base/private_files.h"
#include "base/signals.h"

int main(int argc, char** argv) {
  using namespace spanline;
  block_termination_signals();
  auth::AuthConfig config;
  Options options("spanline-auth",
                  "The auth-responder: keeps users, sessions, API keys and JWT signing keys in meta.sqlite and answers\n"
                  "the gateway's, the api's and the CLI's auth requests on the bus. Without a command it runs the stage.\n"
                  "Commands:\n  ping   asks the running auth-responder whether it answers (exit 0 if it does)",
                  "[ping] [options]");
  config.register_options(options);
  auto parsed = options.parse(argc, argv);
  if (!parsed) {
    std::fprintf(stderr, "spanline-auth: %s\n", parsed.status().message().c_str());
    return 2;
  }
  if (parsed->exit_now) return 0;
  config.resolve();
  if (config.password_hash_threads == 0) {
    std::fprintf(stderr, "spanline-auth: --password-hash-threads must be at least 1 (else no password could ever be checked)\n");
    return 2;
  }
  log::Level level = log::Level::info;
  log::parse_level(config.log_level, level);
  log::init("auth", level);
  // The data folder holds secrets and every trace: nothing in it is for other local users.
  make_data_folder_private(config.data_dir);
  if (!parsed->positional.empty()) {
    if (parsed->positional[0] == "ping") {
      auto bus_key = bus::bus_key_or_explain("spanline-auth", config.curve_secret_key);
      return bus_key ? bus::ping_command("spanline-auth", "auth-responder", config.endpoint, *bus_key) : 2;
    }
    std::fprintf(stderr, "spanline-auth: unknown command '%s' (see --help)\n", parsed->positional[0].c_str());
    return 2;
  }

  auto bus_key = bus::bus_key_or_explain("spanline-auth", config.curve_secret_key);
  if (!bus_key) return 2;
  bus::Context context(*bus_key);
  bus::StatsRegistry stats;
  try {
    std::filesystem::create_directories(config.data_dir);
    auth::EventPublisher events(context, config.events_endpoint);
    auth::AuthShared shared{config,
                            auth::SignInThrottle(config.sign_in_limits()),
                            events,
                            stats.counter("sign_ins"),
                            stats.counter("sign_in_failures"),
                            stats.counter("sign_ins_throttled"),
                            stats.counter("api_key_checks"),
                            stats.counter("api_key_rejections"),
                            stats.counter("tokens_issued"),
                            CountedGate(config.password_hash_threads),
                            &stats.counter("password_hashes_refused_busy")};
    bus::WorkerRouter router(context,
                             {.endpoint = config.endpoint,
                              .accepts = bus::MessageType::auth,
                              .what = "auth",
                              // Quick requests have --threads workers of their own: hashing takes at most the others.
                              .threads = config.threads + config.password_hash_threads,
                              .max_queued = 1024,
                              .requests_counter = "auth_requests",
                              .errors_counter = "auth_errors",
                              .refused_counter = "auth_refused_busy",
                              .queue_gauge = "auth_queue"},
                             stats);
    {
      // Opens meta.sqlite (creating its schema) and a signing key before anyone asks.
      auth::AuthService first(shared, router);
      (void)shared.dummy_hash();  // now, so no sign-in pays for it
      if (Status ready = first.ensure_signing_key(); !ready.is_ok()) {
        log::error("cannot prepare a signing key", {{"error", ready.to_string()}});
        return 1;
      }
    }
    Status started = router.start([&] {
      auto service = std::make_shared<auth::AuthService>(shared, router);
      return [service](const bus::RouterJob& job) { return service->handle(job); };
    });
    if (!started.is_ok()) {
      log::error("cannot start", {{"error", started.to_string()}});
      return 1;
    }
    events.start_heartbeat();  // listeners that reconnect notice it and reload the revoked key ids
    stats.set_info("endpoint", config.endpoint);
    stats.set_info("events_endpoint", config.events_endpoint);
    bus::StatsPublisher publisher(context, config.stats_endpoint, "auth", config.instance, stats);
    log::info("auth-responder ready", {{"endpoint", config.endpoint}, {"events", config.events_endpoint}});
    int sig = wait_for_termination_signal();
    log::info("stopping", {{"signal", sig}});
    router.stop();
  } catch (const std::exception& e) {
    log::error("cannot start", {{"error", e.what()}});
    return 1;
  }
  log::info("stopped");
  return 0;
}
