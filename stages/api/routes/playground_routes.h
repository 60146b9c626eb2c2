#pragma once
// The playground's run and model routes:
// - POST /api/v1/playground/runs: the prompt read (400 naming the field), its
//   provider found (404), a place taken (429 / 503), then the run's events
//   streamed on the connection (playground/playground_runner.h);
// - GET /api/v1/playground/providers/{name}/models: the models the provider
//   says the key can use, or its failure as 502 {"error":{"code":<failure kind>,"message"}}.
// Keys stay inside the ProviderEndpoint handed to the transport: no answer,
// log line or recorded span holds one.
//
// Threads: the HTTP workers. A model listing blocks its worker while the
// provider answers (15 s at most), so at most kMaxModelListings run at once
// (503 with Retry-After beyond: HTTP workers stay free for everything else)
// and a provider's list is kept for kModelsCacheTtl (a comparison's columns
// and a page reload ask once; a changed base URL or key asks again at once).

#include <atomic>
#include <chrono>
#include <optional>
#include <string>
#include <vector>

#include "protocol/auth/ttl_cache.h"
#include "stages/api/auth/session_guard.h"
#include "stages/api/http/api_types.h"
#include "stages/api/http/route_table.h"
#include "stages/api/playground/playground_runner.h"
#include "stages/api/playground/provider_registry.h"

namespace spanline::api {

inline constexpr uint32_t kMaxModelListings = 3;
inline constexpr std::chrono::seconds kModelsCacheTtl{60};

class PlaygroundRoutes {
 public:
  PlaygroundRoutes(playground::ProviderRegistry& providers, SessionGuard& guard, playground::PlaygroundRunner& runner)
      : providers_(providers), guard_(guard), runner_(runner) {}

  // The refusal to answer, or nothing once the run took the connection over.
  std::optional<ApiReply> run(const ApiRequest& request, const OpenStream& open_stream);
  ApiReply models(const ApiRequest& request, const std::string& provider);

 private:
  playground::ProviderRegistry& providers_;
  SessionGuard& guard_;
  playground::PlaygroundRunner& runner_;
  std::atomic<uint32_t> listings_{0};
  auth::TtlCache<std::vector<std::string>> models_{kModelsCacheTtl, 256};  // by provider name, kind, base URL and the key's SHA-256
};

}  // namespace spanline::api
