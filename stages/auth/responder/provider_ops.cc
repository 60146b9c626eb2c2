// The playground provider family of auth ops: the LLM endpoints admins keep in
// Settings (PUT/DELETE /api/v1/playground/providers/{name}, through the api).
// Their keys must be usable (the api sends them to the provider), so they cannot
// be hashed: each is sealed with AES-256-GCM under the data key file beside
// meta.sqlite, bound to its provider's name (base/crypto/secret_box.h). Anyone on
// the bus lists the providers (never a key); the api asks for the keys with
// provider_endpoints; only an admin, or the operator, changes them. Keys are
// never logged, and no reply but provider_endpoints' carries one.
#include "base/clock.h"
#include "base/log.h"
#include "stages/auth/responder/auth_service.h"
#include "stages/auth/responder/op_support.h"

namespace spanline::auth {

namespace {

// Beside meta.sqlite, so a copy of the database alone discloses no key.
std::string provider_key_path_in(const std::string& data_dir) { return data_dir + "/provider-keys.key"; }

ProviderInfo provider_info(const ProviderRecord& record) {
  return ProviderInfo{record.name, record.kind, record.base_url, record.sealed_key.has_value(), record.updated_ns, record.updated_by};
}

}  // namespace

Result<const SecretBox*> AuthShared::provider_key_box() {
  std::lock_guard lock(provider_key_box_mutex);
  if (!provider_key_box_value) {
    auto box = secret_box_from_key_file(provider_key_path_in(config.data_dir));
    if (!box) return box.status();
    provider_key_box_value.emplace(std::move(*box));
  }
  return &*provider_key_box_value;
}

Result<ProviderList> AuthService::list_providers(const ListProviders&) {
  auto records = store_->providers();
  if (!records) return records.status();
  ProviderList out;
  for (const ProviderRecord& record : *records) out.providers.push_back(provider_info(record));
  return out;
}

Result<ProviderInfo> AuthService::set_provider(const SetProvider& request) {
  auto actor = admin_of(request.asker, "change the playground's providers");
  if (!actor) return actor.status();
  ProviderRecord record{request.name, request.kind, request.base_url, std::nullopt, unix_nanos_now(), actor->name()};
  if (request.api_key && !request.api_key->empty()) {
    auto box = shared_.provider_key_box();
    if (!box) return box.status();
    record.sealed_key = (*box)->seal(*request.api_key, request.name);
  }
  auto stored = store_->set_provider(std::move(record), !request.api_key.has_value());
  if (!stored) return stored.status();
  log::info("playground provider set", {{"provider", request.name}, {"kind", request.kind}, {"key_set", stored->sealed_key ? "yes" : "no"}});
  return provider_info(*stored);
}

Result<Done> AuthService::delete_provider(const DeleteProvider& request) {
  auto actor = admin_of(request.asker, "change the playground's providers");
  if (!actor) return actor.status();
  auto deleted = store_->delete_provider(request.name);
  if (!deleted) return deleted.status();
  if (!*deleted) return Status(Code::not_found, "no provider named '" + request.name + "' in Settings");
  log::info("playground provider deleted", {{"provider", request.name}});
  return Done{};
}

Result<ProviderSecretList> AuthService::provider_endpoints(const GetProviderEndpoints&) {
  auto records = store_->providers();
  if (!records) return records.status();
  ProviderSecretList out;
  for (const ProviderRecord& record : *records) {
    ProviderSecret secret{provider_info(record), "", false};
    if (record.sealed_key) {
      auto box = shared_.provider_key_box();
      if (!box) return box.status();
      auto key = (*box)->open(*record.sealed_key, record.name);
      if (key) {
        secret.api_key = std::move(*key);
      } else {
        secret.key_unreadable = true;
        log::error("a playground provider's stored key does not decrypt with the data key (was provider-keys.key replaced?); an admin must set it again",
                   {{"provider", record.name}});
      }
    }
    out.providers.push_back(std::move(secret));
  }
  return out;
}

}  // namespace spanline::auth
