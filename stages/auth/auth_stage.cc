#include "stages/auth/auth_stage.h"

#include <filesystem>

#include "base/log.h"

namespace spanline::auth {

AuthStage::AuthStage(const AuthConfig& config, stage::StageServices services) : config_(config), services_(services) {}

AuthStage::~AuthStage() { stop(); }

Status AuthStage::start() {
  bus::StatsRegistry& stats = services_.stats;
  std::filesystem::create_directories(config_.data_dir);
  events_ = std::make_unique<EventPublisher>(services_.context, config_.events_endpoint);
  shared_.reset(new AuthShared{config_,
                               SignInThrottle(config_.sign_in_limits()),
                               *events_,
                               stats.counter("sign_ins"),
                               stats.counter("sign_in_failures"),
                               stats.counter("sign_ins_throttled"),
                               stats.counter("api_key_checks"),
                               stats.counter("api_key_rejections"),
                               stats.counter("tokens_issued"),
                               CountedGate(config_.password_hash_threads),
                               &stats.counter("password_hashes_refused_busy")});
  router_ = std::make_unique<bus::WorkerRouter>(services_.context,
                                                bus::WorkerRouterOptions{
                                                    .endpoint = config_.endpoint,
                                                    .accepts = bus::MessageType::auth,
                                                    .what = "auth",
                                                    // Quick requests have --threads workers of their own: hashing takes at most the others.
                                                    .threads = config_.threads + config_.password_hash_threads,
                                                    .max_queued = 1024,
                                                    .requests_counter = "auth_requests",
                                                    .errors_counter = "auth_errors",
                                                    .refused_counter = "auth_refused_busy",
                                                    .queue_gauge = "auth_queue"},
                                                stats);
  {
    // Opens meta.sqlite (creating its schema) and a signing key before anyone asks.
    AuthService first(*shared_, *router_);
    (void)shared_->dummy_hash();  // now, so no sign-in pays for it
    if (Status ready = first.ensure_signing_key(); !ready.is_ok()) {
      return Status(ready.code(), "cannot prepare a signing key: " + ready.message());
    }
  }
  Status started = router_->start([this] {
    auto service = std::make_shared<AuthService>(*shared_, *router_);
    return [service](const bus::RouterJob& job) { return service->handle(job); };
  });
  if (!started.is_ok()) return started;
  events_->start_heartbeat();  // listeners that reconnect notice it and reload the revoked key ids
  stats.set_info("endpoint", config_.endpoint);
  stats.set_info("events_endpoint", config_.events_endpoint);
  log::info("auth-responder ready", {{"endpoint", config_.endpoint}, {"events", config_.events_endpoint}});
  return Status::ok();
}

void AuthStage::stop() {
  if (router_) router_->stop();
}

}  // namespace spanline::auth
