#include "stages/api/api_stage.h"

#include "base/log.h"

namespace spanline::api {

ApiStage::ApiStage(const ApiConfig& config, stage::StageServices services)
    : config_(config),
      context_(services.context),
      stats_(services.stats),
      open_files_(services.open_files),
      fanout_(context_, directory_,
              {.timeout = config.query_timeout, .max_answer_bytes = config.max_answer_bytes,
               .owner_silence = std::max(config.stage_timeout, std::chrono::milliseconds(3000)),
               .hedge = config.query_hedge}),
      queries_(config_, directory_, fanout_),
      trace_routes_(queries_, prices_),
      workflow_routes_(queries_, prices_),
      llm_routes_(queries_, prices_),
      resolve_routes_(queries_),
      logs_routes_(queries_),
      session_routes_(queries_, prices_),
      pipeline_routes_(config_, directory_),
      files_(config.web_dir.empty() ? default_web_dir() : std::filesystem::path(config.web_dir)),
      auth_client_(context_, config.auth_endpoint, config.auth_timeout),
      prices_(auth_client_),
      price_routes_(prices_) {
  stats_.gauge("rss_bytes", [] { return bus::resident_memory_bytes(); });
}

ApiStage::~ApiStage() { stop(); }

Status ApiStage::start() {
  // The connection caps, not the fd table, must be what bounds connections.
  if (open_files_.now != 0 && config_.max_connections != 0 && config_.max_connections + 256 > open_files_.now) {
    log::warn("--max-connections is close to the open files limit: connections past the limit fail in accept instead",
              {{"max_connections", config_.max_connections}, {"open_files_limit", open_files_.now}});
  }
  try {
    listener_ = std::make_unique<StatsListener>(context_, config_.stats_endpoint, directory_, stats_, config_.instance);
  } catch (const zmq::error_t& e) {
    return Status(Code::unavailable, "cannot bind the stats endpoint " + config_.stats_endpoint + ": " + e.what());
  }
  guard_ = std::make_unique<SessionGuard>(context_, auth_client_, config_.auth_events_endpoint, config_.session_cache_ttl);
  auth_routes_ = std::make_unique<AuthRoutes>(config_, auth_client_, *guard_, stats_.counter("sign_ins_refused_busy"));
  if (config_.max_concurrent_sign_ins >= config_.threads) {
    log::warn("--max-concurrent-sign-ins is not below --threads: a sign-in flood can hold every HTTP worker",
              {{"max_concurrent_sign_ins", config_.max_concurrent_sign_ins}, {"threads", config_.threads}});
  }
  live_ = std::make_unique<LiveTail>(config_, queries_, *guard_, stats_);
  providers_ = std::make_unique<playground::ProviderRegistry>(config_, auth_client_);
  run_recorder_ = std::make_unique<playground::RunRecorder>(context_, config_, stats_);
  runner_ = std::make_unique<playground::PlaygroundRunner>(config_, prices_, *run_recorder_, stats_);
  playground_routes_ = std::make_unique<PlaygroundRoutes>(*providers_, *guard_, *runner_);
  provider_routes_ = std::make_unique<ProviderRoutes>(*providers_);
  server_ = std::make_unique<ApiServer>(config_, ApiRoutes{trace_routes_, workflow_routes_, llm_routes_, pipeline_routes_, files_, *live_, *guard_, *auth_routes_, resolve_routes_, price_routes_, logs_routes_, session_routes_, playground_routes_.get(), provider_routes_.get()},
                                        stats_);
  if (Status s = server_->start(); !s.is_ok()) return s;
  setup_announcer_ = std::make_unique<SetupAnnouncer>(auth_client_);
  log::info("api ready", {{"web_dir", files_.root().string()}, {"web_ui_built", files_.has_ui()}, {"stats", config_.stats_endpoint}});
  return Status::ok();
}

void ApiStage::stop() {
  if (live_) live_->stop();
  if (server_) server_->stop();
  if (runner_) runner_->stop();
  setup_announcer_.reset();
  listener_.reset();
  auth_routes_.reset();
  guard_.reset();
}

}  // namespace spanline::api
