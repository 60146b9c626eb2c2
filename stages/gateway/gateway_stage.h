#pragma once
// The gateway's main object: the credential checks, the WAL writer, the
// protocol-neutral ingest core, and the OTLP/gRPC and OTLP/HTTP servers on it.
// tick() watches the gRPC listener: one that can no longer accept makes the
// gateway exit (75) for its supervisor, rather than linger with OTLP/HTTP and
// /health looking fine and gRPC ingest dead.

#include <memory>

#include "skeleton/run_stage.h"
#include "stages/gateway/auth/ingest_authenticator.h"
#include "stages/gateway/gateway_config.h"
#include "stages/gateway/grpc_server.h"
#include "stages/gateway/http/otlp_http_server.h"
#include "stages/gateway/ingest.h"
#include "protocol/wal/wal_writer.h"

namespace spanline::gateway {

// The exit code that asks the supervisor for a restart (EX_TEMPFAIL).
inline constexpr int kExitRestartMe = 75;

class GatewayStage final : public stage::Stage {
 public:
  GatewayStage(GatewayConfig& config, stage::StageServices services);
  ~GatewayStage() override;

  Status start() override;
  std::optional<int> tick() override;
  void stop() override;

 private:
  GatewayConfig& config_;
  stage::StageServices services_;
  std::unique_ptr<IngestAuthenticator> authenticator_;
  std::unique_ptr<wal::WalWriter> wal_;
  std::unique_ptr<Ingest> ingest_;
  std::unique_ptr<OtlpGrpcServer> otlp_grpc_;
  std::unique_ptr<OtlpHttpServer> http_server_;
};

// `spanline-gateway health`: the gRPC health check against this gateway's own
// OTLP/gRPC port, for container healthchecks. Exit 0 when it answers SERVING.
int health_check(const GatewayConfig& config);

}  // namespace spanline::gateway
