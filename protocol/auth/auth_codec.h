#pragma once
// The auth hop's wire format, in one place: each message of auth_messages.h
// to its JSON object and back. The caller's AuthClient encodes requests and
// decodes replies; the auth-responder decodes requests and encodes replies.
//
// A request that is not a JSON object with a string "op", names no known op,
// or has a field of the wrong type, missing or too long is refused with
// invalid_argument and the same words the responder has always used ("missing
// field 'email'", "field 'key' is longer than 256 bytes", ...). Rules that need
// the responder's state or configuration (a well-formed email, the minimum
// password length, a valid role or key name) are the responder's, not the
// decoder's. A reply that does not decode is the responder's fault: the client
// reports it as internal.

#include <string>
#include <string_view>
#include <type_traits>

#include "base/status.h"
#include "protocol/auth/auth_messages.h"

namespace spanline::auth {

// A request as it arrived: its op, and the JSON object to decode it from.
struct AuthRequestFrame {
  AuthOp op;
  json message;
};
// The bytes of one `auth` payload frame: invalid_argument "an auth request is a
// JSON object with a string 'op'" or "unknown auth op '<name>'" when they are not one.
Result<AuthRequestFrame> parse_request(std::string_view body);

// `object`'s text field, as a request carries it: invalid_argument when it is
// not a string or is longer than the field allows, and (when `required`) when it
// is missing or null; missing or null and not required is "". The api reads a
// web form's fields with it too, so a browser gets the words the responder would say.
Result<std::string> read_text(const json& object, TextField field, bool required = true);

// ok when `kind` is one of kProviderKinds, else invalid_argument naming them:
// the auth-responder's rule for a provider's kind, which the api says too.
Status check_provider_kind(std::string_view kind);

// The JSON of one message: a request with its "op", or a reply.
json encode(const CheckApiKey& request);
json encode(const IssueToken& request);
json encode(const GetJwks& request);
json encode(const RotateSigningKey& request);
json encode(const GetSetupStatus& request);
json encode(const IssueSetupToken& request);
json encode(const CreateFirstUser& request);
json encode(const SignIn& request);
json encode(const CheckSession& request);
json encode(const SignOut& request);
json encode(const ListUsers& request);
json encode(const CreateUser& request);
json encode(const DeleteUser& request);
json encode(const SetUserRole& request);
json encode(const ListApiKeys& request);
json encode(const CreateApiKey& request);
json encode(const DeleteApiKey& request);
json encode(const GetKeyStates& request);
json encode(const ListPrices& request);
json encode(const SetPrice& request);
json encode(const DeletePrice& request);
json encode(const ListProviders& request);
json encode(const SetProvider& request);
json encode(const DeleteProvider& request);
json encode(const GetProviderEndpoints& request);

json encode(const UserInfo& user);
json encode(const KeyOwner& owner);
json encode(const ApiKeyInfo& key);
json encode(const NewSession& session);
json encode(const Done& reply);
json encode(const ApiKeyChecked& reply);
json encode(const IssuedToken& reply);
json encode(const JwkSet& reply);
json encode(const RotatedSigningKey& reply);
json encode(const SetupState& reply);
json encode(const SetupToken& reply);
json encode(const SignInResult& reply);
json encode(const UserReply& reply);
json encode(const UserList& reply);
json encode(const UserDeleted& reply);
json encode(const ApiKeyList& reply);
json encode(const CreatedApiKey& reply);
json encode(const KeyStatesReply& reply);
json encode(const PriceChange& reply);
json encode(const PriceList& reply);
json encode(const ProviderInfo& reply);
json encode(const ProviderList& reply);
json encode(const ProviderSecret& reply);
json encode(const ProviderSecretList& reply);

// The message of type T in `message` (its "op", for a request, already read by
// parse_request), or why not. One overload per type, chosen by the tag.
Result<CheckApiKey> decode(const json& message, std::type_identity<CheckApiKey>);
Result<IssueToken> decode(const json& message, std::type_identity<IssueToken>);
Result<GetJwks> decode(const json& message, std::type_identity<GetJwks>);
Result<RotateSigningKey> decode(const json& message, std::type_identity<RotateSigningKey>);
Result<GetSetupStatus> decode(const json& message, std::type_identity<GetSetupStatus>);
Result<IssueSetupToken> decode(const json& message, std::type_identity<IssueSetupToken>);
Result<CreateFirstUser> decode(const json& message, std::type_identity<CreateFirstUser>);
Result<SignIn> decode(const json& message, std::type_identity<SignIn>);
Result<CheckSession> decode(const json& message, std::type_identity<CheckSession>);
Result<SignOut> decode(const json& message, std::type_identity<SignOut>);
Result<ListUsers> decode(const json& message, std::type_identity<ListUsers>);
Result<CreateUser> decode(const json& message, std::type_identity<CreateUser>);
Result<DeleteUser> decode(const json& message, std::type_identity<DeleteUser>);
Result<SetUserRole> decode(const json& message, std::type_identity<SetUserRole>);
Result<ListApiKeys> decode(const json& message, std::type_identity<ListApiKeys>);
Result<CreateApiKey> decode(const json& message, std::type_identity<CreateApiKey>);
Result<DeleteApiKey> decode(const json& message, std::type_identity<DeleteApiKey>);
Result<GetKeyStates> decode(const json& message, std::type_identity<GetKeyStates>);
Result<ListPrices> decode(const json& message, std::type_identity<ListPrices>);
Result<SetPrice> decode(const json& message, std::type_identity<SetPrice>);
Result<DeletePrice> decode(const json& message, std::type_identity<DeletePrice>);
Result<ListProviders> decode(const json& message, std::type_identity<ListProviders>);
Result<SetProvider> decode(const json& message, std::type_identity<SetProvider>);
Result<DeleteProvider> decode(const json& message, std::type_identity<DeleteProvider>);
Result<GetProviderEndpoints> decode(const json& message, std::type_identity<GetProviderEndpoints>);

Result<UserInfo> decode(const json& message, std::type_identity<UserInfo>);
Result<KeyOwner> decode(const json& message, std::type_identity<KeyOwner>);
Result<ApiKeyInfo> decode(const json& message, std::type_identity<ApiKeyInfo>);
Result<Done> decode(const json& message, std::type_identity<Done>);
Result<ApiKeyChecked> decode(const json& message, std::type_identity<ApiKeyChecked>);
Result<IssuedToken> decode(const json& message, std::type_identity<IssuedToken>);
Result<JwkSet> decode(const json& message, std::type_identity<JwkSet>);
Result<RotatedSigningKey> decode(const json& message, std::type_identity<RotatedSigningKey>);
Result<SetupState> decode(const json& message, std::type_identity<SetupState>);
Result<SetupToken> decode(const json& message, std::type_identity<SetupToken>);
Result<NewSession> decode(const json& message, std::type_identity<NewSession>);
Result<SignInResult> decode(const json& message, std::type_identity<SignInResult>);
Result<UserReply> decode(const json& message, std::type_identity<UserReply>);
Result<UserList> decode(const json& message, std::type_identity<UserList>);
Result<UserDeleted> decode(const json& message, std::type_identity<UserDeleted>);
Result<ApiKeyList> decode(const json& message, std::type_identity<ApiKeyList>);
Result<CreatedApiKey> decode(const json& message, std::type_identity<CreatedApiKey>);
Result<KeyStatesReply> decode(const json& message, std::type_identity<KeyStatesReply>);
Result<PriceChange> decode(const json& message, std::type_identity<PriceChange>);
Result<PriceList> decode(const json& message, std::type_identity<PriceList>);
Result<ProviderInfo> decode(const json& message, std::type_identity<ProviderInfo>);
Result<ProviderList> decode(const json& message, std::type_identity<ProviderList>);
Result<ProviderSecret> decode(const json& message, std::type_identity<ProviderSecret>);
Result<ProviderSecretList> decode(const json& message, std::type_identity<ProviderSecretList>);

// A broadcast: {"event": <its name>, ...}. An event of a kind this build does
// not know, or with a field missing or mistyped, is invalid_argument (a
// listener skips it).
json encode(const AuthEvent& event);
Result<AuthEvent> decode_event(const json& message);

template <typename T>
Result<T> decode(const json& message) {
  return decode(message, std::type_identity<T>{});
}

// The bytes a message travels as. Text that is not UTF-8 (credentials come
// from headers and cookies as sent) becomes U+FFFD, so it matches no key or
// session instead of throwing.
std::string serialize(const json& message);

}  // namespace spanline::auth
