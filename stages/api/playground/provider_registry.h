#pragma once
// Which LLM providers the playground can call, and with what key: the ones
// from the api's configuration (flags / SPANLINE_* environment) and the ones
// admins keep in Settings (stored by the auth-responder, keys encrypted at
// rest; a Settings provider named like a configured one replaces it). Keys
// leave this class only inside a ProviderEndpoint handed to the transport;
// what list() returns says only whether a key is set.
//
// Threads: any.

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "base/status.h"
#include "protocol/auth/auth_client.h"
#include "stages/api/config/api_config.h"
#include "stages/api/playground/providers/provider_protocol.h"

namespace spanline::api::playground {

// How long a Settings provider change made elsewhere (another api, the CLI) may take to be seen here.
inline constexpr std::chrono::seconds kProviderCacheTtl{5};

struct ListedProvider {
  std::string name;
  ProviderKind kind = ProviderKind::openai;
  std::string base_url;
  bool key_set = false;
  std::string source;  // "configuration" or "settings"
  std::optional<int64_t> updated_ns;  // settings: when an admin last changed it
  std::optional<std::string> updated_by;  // settings: who (an admin's email, or "operator")
};

// An admin's change in Settings. `api_key`: nullopt keeps the stored key, "" removes it.
struct ProviderChange {
  std::string name;
  ProviderKind kind = ProviderKind::openai;
  std::string base_url;
  std::optional<std::string> api_key;
};

class ProviderRegistry {
 public:
  ProviderRegistry(const ApiConfig& config, auth::AuthClient& auth);
  ~ProviderRegistry();

  // Every provider the playground offers, sorted by name; the auth-responder's
  // error when it cannot say (the caller gets the error, so a page never shows
  // a partial list as if whole).
  Result<std::vector<ListedProvider>> list();
  // The endpoint (key included) to call `name` with; not_found naming it when
  // none, failed_precondition when its stored key no longer decrypts (an admin
  // must set it again). Settings providers are read from the auth-responder at
  // most once per kProviderCacheTtl (sooner after a change made through this api).
  Result<ProviderEndpoint> find(std::string_view name);
  // Admin changes through the auth-responder, which holds the session to its
  // role. remove() of a provider that only configuration holds is
  // failed_precondition saying so.
  Result<ListedProvider> set(const std::string& session, const ProviderChange& change);
  Status remove(const std::string& session, const std::string& name);

 private:
  struct State;
  State* state_;  // owned; defined in provider_registry.cc
};

}  // namespace spanline::api::playground
