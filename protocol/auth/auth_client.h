#pragma once
// How the gateway, the api and the CLI ask the auth-responder: one method per
// op of auth_messages.h, a typed request in and its typed reply out, over a
// DEALER socket with a deadline. An error reply comes back as its Status
// (unauthenticated, invalid_argument, permission_denied, ...); an
// auth-responder that does not answer as unavailable, which callers treat as
// retryable; a reply that does not decode as internal.
//
// Threads: any number of threads may call at once (bus::RequestClient matches
// replies by request id; at most 1024 in flight).

#include <chrono>
#include <string>

#include "base/status.h"
#include "bus/request_client.h"
#include "protocol/auth/auth_codec.h"
#include "protocol/auth/auth_messages.h"

namespace spanline::auth {

class AuthClient {
 public:
  AuthClient(bus::Context& context, const std::string& endpoint, std::chrono::milliseconds timeout = std::chrono::seconds(3));

  Result<ApiKeyChecked> check_api_key(const CheckApiKey& request) { return ask(request); }
  Result<IssuedToken> issue_token(const IssueToken& request) { return ask(request); }
  Result<JwkSet> jwks() { return ask(GetJwks{}); }
  Result<RotatedSigningKey> rotate_signing_key() { return ask(RotateSigningKey{}); }
  Result<SetupState> setup_status() { return ask(GetSetupStatus{}); }
  Result<SetupToken> issue_setup_token() { return ask(IssueSetupToken{}); }
  Result<NewSession> create_first_user(const CreateFirstUser& request) { return ask(request); }
  Result<SignInResult> sign_in(const SignIn& request) { return ask(request); }
  Result<UserReply> check_session(const CheckSession& request) { return ask(request); }
  Result<Done> sign_out(const SignOut& request) { return ask(request); }
  Result<UserList> list_users(const ListUsers& request) { return ask(request); }
  Result<UserReply> create_user(const CreateUser& request) { return ask(request); }
  Result<UserDeleted> delete_user(const DeleteUser& request) { return ask(request); }
  Result<UserReply> set_user_role(const SetUserRole& request) { return ask(request); }
  Result<ApiKeyList> list_api_keys(const ListApiKeys& request) { return ask(request); }
  Result<CreatedApiKey> create_api_key(const CreateApiKey& request) { return ask(request); }
  Result<Done> delete_api_key(const DeleteApiKey& request) { return ask(request); }
  Result<KeyStatesReply> key_states() { return ask(GetKeyStates{}); }
  Result<PriceList> list_prices() { return ask(ListPrices{}); }
  Result<PriceChange> set_price(const SetPrice& request) { return ask(request); }
  Result<PriceChange> delete_price(const DeletePrice& request) { return ask(request); }
  Result<ProviderList> list_providers() { return ask(ListProviders{}); }
  Result<ProviderInfo> set_provider(const SetProvider& request) { return ask(request); }
  Result<Done> delete_provider(const DeleteProvider& request) { return ask(request); }
  Result<ProviderSecretList> provider_endpoints() { return ask(GetProviderEndpoints{}); }

  // Any request, typed: what the methods above call.
  template <typename Request>
  Result<typename Request::Reply> ask(const Request& request) {
    auto reply = call(encode(request));
    if (!reply) return reply.status();
    auto decoded = decode<typename Request::Reply>(*reply);
    if (!decoded) {
      return Status(Code::internal, "auth-responder sent a malformed " + std::string(op_name(Request::op)) +
                                        " reply: " + decoded.status().message());
    }
    return decoded;
  }

  const std::string& endpoint() const { return client_.endpoint(); }

 private:
  // One request's JSON over the bus, its reply's JSON back.
  Result<json> call(const json& request);

  bus::RequestClient client_;
  std::chrono::milliseconds timeout_;
};

}  // namespace spanline::auth
