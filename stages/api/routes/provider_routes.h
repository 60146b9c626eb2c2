#pragma once
// The playground's providers over HTTP (Settings' "LLM providers"): GET
// /api/v1/playground/providers lists every provider the playground offers
// (configuration and Settings; whether a key is set, never the key) with the
// limits of a Settings provider; PUT and DELETE
// /api/v1/playground/providers/{name} change a Settings provider, each a typed
// auth-responder request carrying the session, so the auth-responder holds the
// asker to their role (admins only). PUT's api_key is write-only: absent keeps
// the stored key, "" removes it.

#include <string>

#include "stages/api/http/api_types.h"
#include "stages/api/playground/provider_registry.h"

namespace spanline::api {

class ProviderRoutes {
 public:
  explicit ProviderRoutes(playground::ProviderRegistry& providers) : providers_(providers) {}

  ApiReply providers(const ApiRequest& request);                          // GET
  ApiReply provider(const ApiRequest& request, const std::string& name);  // PUT {kind, base_url, api_key?}, DELETE

 private:
  playground::ProviderRegistry& providers_;
};

// One provider as the API lists it: {name, kind, base_url, key_set, source, updated_ns?, updated_by?}.
json provider_json(const playground::ListedProvider& provider);

}  // namespace spanline::api
