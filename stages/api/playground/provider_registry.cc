#include "stages/api/playground/provider_registry.h"

#include <algorithm>
#include <memory>

#include "protocol/auth/ttl_cache.h"

namespace spanline::api::playground {

namespace {

// A provider from configuration: offered when its key is set, or its base URL
// was changed from the public default (a local server that needs no key).
struct ConfiguredKind {
  ProviderKind kind;
  const std::string ApiConfig::*base_url;
  const std::string ApiConfig::*api_key;
  std::string_view default_base_url;
};

constexpr ConfiguredKind kConfiguredKinds[] = {
    {ProviderKind::anthropic, &ApiConfig::anthropic_base_url, &ApiConfig::anthropic_api_key, kAnthropicDefaultBaseUrl},
    {ProviderKind::gemini, &ApiConfig::gemini_base_url, &ApiConfig::gemini_api_key, kGeminiDefaultBaseUrl},
    {ProviderKind::openai, &ApiConfig::openai_base_url, &ApiConfig::openai_api_key, kOpenAiDefaultBaseUrl},
};

// Named as their kind, so sorted by name as kConfiguredKinds is.
std::vector<ProviderEndpoint> configured_providers(const ApiConfig& config) {
  std::vector<ProviderEndpoint> out;
  for (const ConfiguredKind& kind : kConfiguredKinds) {
    const std::string& base_url = config.*kind.base_url;
    const std::string& api_key = config.*kind.api_key;
    if (api_key.empty() && base_url == kind.default_base_url) continue;
    out.push_back(ProviderEndpoint{std::string(provider_kind_name(kind.kind)), kind.kind, base_url, api_key});
  }
  return out;
}

ListedProvider listed_from_configuration(const ProviderEndpoint& endpoint) {
  return ListedProvider{endpoint.name, endpoint.kind, endpoint.base_url, !endpoint.api_key.empty(), "configuration", std::nullopt, std::nullopt};
}

Result<ListedProvider> listed_from_settings(const auth::ProviderInfo& info) {
  auto kind = provider_kind_from_name(info.kind);
  if (!kind) return Status(Code::internal, "the auth-responder keeps provider '" + info.name + "' of unknown kind '" + info.kind + "'");
  return ListedProvider{info.name, *kind, info.base_url, info.key_set, "settings", info.updated_ns, info.updated_by};
}

Status no_such_provider(std::string_view name) {
  return Status(Code::not_found, "no playground provider named '" + std::string(name.substr(0, auth::kProviderNameField.max_bytes)) + "'");
}

const std::string kEndpointsKey = "endpoints";  // the one entry of the cache

}  // namespace

struct ProviderRegistry::State {
  std::vector<ProviderEndpoint> configured;  // by name
  auth::AuthClient& auth;
  auth::TtlCache<std::shared_ptr<const auth::ProviderSecretList>> settings{kProviderCacheTtl, 1};

  const ProviderEndpoint* configured_named(std::string_view name) const {
    auto found = std::find_if(configured.begin(), configured.end(), [&](const ProviderEndpoint& endpoint) { return endpoint.name == name; });
    return found == configured.end() ? nullptr : &*found;
  }

  Result<std::shared_ptr<const auth::ProviderSecretList>> settings_endpoints() {
    if (auto cached = settings.get(kEndpointsKey)) return *cached;
    auto fetched = auth.provider_endpoints();
    if (!fetched) return fetched.status();
    auto shared = std::make_shared<const auth::ProviderSecretList>(std::move(*fetched));
    settings.put(kEndpointsKey, shared);
    return shared;
  }
};

ProviderRegistry::ProviderRegistry(const ApiConfig& config, auth::AuthClient& auth)
    : state_(new State{configured_providers(config), auth}) {}

ProviderRegistry::~ProviderRegistry() { delete state_; }

Result<std::vector<ListedProvider>> ProviderRegistry::list() {
  auto settings = state_->auth.list_providers();
  if (!settings) return settings.status();
  std::vector<ListedProvider> out;
  for (const auth::ProviderInfo& info : settings->providers) {
    auto listed = listed_from_settings(info);
    if (!listed) return listed.status();
    out.push_back(std::move(*listed));
  }
  for (const ProviderEndpoint& endpoint : state_->configured) {
    const bool replaced = std::any_of(out.begin(), out.end(), [&](const ListedProvider& p) { return p.name == endpoint.name; });
    if (!replaced) out.push_back(listed_from_configuration(endpoint));
  }
  std::sort(out.begin(), out.end(), [](const ListedProvider& a, const ListedProvider& b) { return a.name < b.name; });
  return out;
}

Result<ProviderEndpoint> ProviderRegistry::find(std::string_view name) {
  auto settings = state_->settings_endpoints();
  if (!settings) return settings.status();
  for (const auth::ProviderSecret& secret : (*settings)->providers) {
    if (secret.info.name != name) continue;
    if (secret.key_unreadable) {
      return Status(Code::failed_precondition, "the stored key of provider '" + secret.info.name +
                                                   "' cannot be decrypted (the auth-responder's provider-keys.key changed); an admin must set it again in Settings");
    }
    auto kind = provider_kind_from_name(secret.info.kind);
    if (!kind) return Status(Code::internal, "provider '" + secret.info.name + "' is of unknown kind '" + secret.info.kind + "'");
    return ProviderEndpoint{secret.info.name, *kind, secret.info.base_url, secret.api_key};
  }
  if (const ProviderEndpoint* configured = state_->configured_named(name)) return *configured;
  return no_such_provider(name);
}

Result<ListedProvider> ProviderRegistry::set(const std::string& session, const ProviderChange& change) {
  auto info = state_->auth.set_provider(auth::SetProvider{auth::Asker::with_session(session), change.name,
                                                          std::string(provider_kind_name(change.kind)), change.base_url, change.api_key});
  if (!info) return info.status();
  state_->settings.clear();
  return listed_from_settings(*info);
}

Status ProviderRegistry::remove(const std::string& session, const std::string& name) {
  auto done = state_->auth.delete_provider(auth::DeleteProvider{auth::Asker::with_session(session), name});
  if (!done && done.status().code() == Code::not_found && state_->configured_named(name) != nullptr) {
    return Status(Code::failed_precondition,
                  "provider '" + name + "' comes from the api's configuration (flags or environment); Settings cannot delete it");
  }
  if (!done) return done.status();
  state_->settings.clear();
  return Status::ok();
}

}  // namespace spanline::api::playground
