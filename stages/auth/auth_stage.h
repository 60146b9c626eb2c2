#pragma once
// The auth-responder's main object: the revocation publisher, the state its
// workers share and the ROUTER they answer on. start() opens meta.sqlite
// (creating its schema) and a signing key before the first request.

#include <memory>

#include "bus/worker_router.h"
#include "skeleton/run_stage.h"
#include "stages/auth/auth_config.h"
#include "stages/auth/responder/auth_service.h"

namespace spanline::auth {

class AuthStage final : public stage::Stage {
 public:
  AuthStage(const AuthConfig& config, stage::StageServices services);
  ~AuthStage() override;

  Status start() override;
  void stop() override;

 private:
  const AuthConfig& config_;
  stage::StageServices services_;
  std::unique_ptr<EventPublisher> events_;
  std::unique_ptr<AuthShared> shared_;
  std::unique_ptr<bus::WorkerRouter> router_;
};

}  // namespace spanline::auth
