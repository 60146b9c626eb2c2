#include "stages/api/routes/provider_routes.h"

#include "protocol/auth/auth_codec.h"
#include "stages/api/auth/auth_routes.h"

namespace spanline::api {

json provider_json(const playground::ListedProvider& provider) {
  json out = {{"name", provider.name},
              {"kind", playground::provider_kind_name(provider.kind)},
              {"base_url", provider.base_url},
              {"key_set", provider.key_set},
              {"source", provider.source}};
  if (provider.updated_ns) out["updated_ns"] = *provider.updated_ns;
  if (provider.updated_by) out["updated_by"] = *provider.updated_by;
  return out;
}

ApiReply ProviderRoutes::providers(const ApiRequest& request) {
  if (request.method != "GET" && request.method != "HEAD") return method_not_allowed(request, "GET, HEAD");
  auto listed = providers_.list();
  if (!listed) return error_reply(listed.status());
  json out = json::array();
  for (const playground::ListedProvider& provider : *listed) out.push_back(provider_json(provider));
  return json_reply({{"providers", std::move(out)},
                     {"limits",
                      {{"kinds", auth::kProviderKinds},
                       {"max_name_bytes", auth::kProviderNameField.max_bytes},
                       {"name_characters", auth::kProviderNameCharacters},
                       {"max_base_url_bytes", auth::kProviderBaseUrlField.max_bytes},
                       {"max_api_key_bytes", auth::kProviderApiKeyField.max_bytes},
                       {"max_settings_providers", auth::kMaxSettingsProviders},
                       {"cache_ttl_s", playground::kProviderCacheTtl.count()}}}});
}

ApiReply ProviderRoutes::provider(const ApiRequest& request, const std::string& name) {
  if (request.method != "PUT" && request.method != "DELETE") return method_not_allowed(request, "PUT, DELETE");
  if (request.method == "DELETE") {
    Status removed = providers_.remove(request.session, name);
    return removed.is_ok() ? no_content_reply() : error_reply(removed);
  }
  auto set = auth_request_from_body<auth::SetProvider>(request, auth::kProviderNameField, name);
  if (!set) return error_reply(set.status());
  if (Status s = auth::check_provider_kind(set->kind); !s.is_ok()) return error_reply(s);
  auto kind = playground::provider_kind_from_name(set->kind);
  if (!kind) return error_reply(Status(Code::internal, "this api does not speak provider kind '" + set->kind + "'"));
  playground::ProviderChange change{set->name, *kind, set->base_url, set->api_key};
  auto listed = providers_.set(request.session, change);
  return listed ? json_reply(provider_json(*listed)) : error_reply(listed.status());
}

}  // namespace spanline::api
