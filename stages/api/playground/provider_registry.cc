#include "stages/api/playground/provider_registry.h"

#include <algorithm>

namespace spanline::api::playground {

namespace {

// A provider from configuration: offered when its key is set, or its base URL
// was changed from the public default (a local server that needs no key).
struct ConfiguredKind {
  ProviderKind kind;
  std::string_view name;  // the provider's name in the playground: its kind's
  const std::string ApiConfig::*base_url;
  const std::string ApiConfig::*api_key;
  std::string_view default_base_url;
};

constexpr ConfiguredKind kConfiguredKinds[] = {
    {ProviderKind::anthropic, "anthropic", &ApiConfig::anthropic_base_url, &ApiConfig::anthropic_api_key, kAnthropicDefaultBaseUrl},
    {ProviderKind::gemini, "gemini", &ApiConfig::gemini_base_url, &ApiConfig::gemini_api_key, kGeminiDefaultBaseUrl},
    {ProviderKind::openai, "openai", &ApiConfig::openai_base_url, &ApiConfig::openai_api_key, kOpenAiDefaultBaseUrl},
};

std::vector<ProviderEndpoint> configured_providers(const ApiConfig& config) {
  std::vector<ProviderEndpoint> out;
  for (const ConfiguredKind& kind : kConfiguredKinds) {
    const std::string& base_url = config.*kind.base_url;
    const std::string& api_key = config.*kind.api_key;
    if (api_key.empty() && base_url == kind.default_base_url) continue;
    out.push_back(ProviderEndpoint{std::string(kind.name), kind.kind, base_url, api_key});
  }
  return out;  // sorted by name: kConfiguredKinds is
}

ListedProvider listed_from_configuration(const ProviderEndpoint& endpoint) {
  return ListedProvider{endpoint.name, endpoint.kind, endpoint.base_url, !endpoint.api_key.empty(), "configuration", std::nullopt};
}

Status no_such_provider(std::string_view name) {
  return Status(Code::not_found, "no playground provider named '" + std::string(name.substr(0, 64)) + "'");
}

}  // namespace

struct ProviderRegistry::State {
  std::vector<ProviderEndpoint> configured;  // by name
  auth::AuthClient& auth;
};

ProviderRegistry::ProviderRegistry(const ApiConfig& config, auth::AuthClient& auth)
    : state_(new State{configured_providers(config), auth}) {}

ProviderRegistry::~ProviderRegistry() { delete state_; }

Result<std::vector<ListedProvider>> ProviderRegistry::list() {
  std::vector<ListedProvider> out;
  for (const ProviderEndpoint& endpoint : state_->configured) out.push_back(listed_from_configuration(endpoint));
  return out;
}

Result<ProviderEndpoint> ProviderRegistry::find(std::string_view name) {
  auto found = std::find_if(state_->configured.begin(), state_->configured.end(),
                            [&](const ProviderEndpoint& endpoint) { return endpoint.name == name; });
  if (found == state_->configured.end()) return no_such_provider(name);
  return *found;
}

Result<ListedProvider> ProviderRegistry::set(const std::string&, const ProviderChange&) {
  return Status(Code::failed_precondition, "providers in Settings are not available yet");
}

Status ProviderRegistry::remove(const std::string&, const std::string&) {
  return Status(Code::failed_precondition, "providers in Settings are not available yet");
}

}  // namespace spanline::api::playground
