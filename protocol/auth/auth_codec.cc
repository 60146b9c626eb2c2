#include "protocol/auth/auth_codec.h"

#include <algorithm>
#include <limits>
#include <variant>

namespace spanline::auth {

static_assert(kAuthOpNames.size() == static_cast<size_t>(AuthOp::provider_endpoints) + 1, "one name per AuthOp, in order");

namespace {

Status bad_request(std::string message) { return Status(Code::invalid_argument, std::move(message)); }

std::string field_name(std::string_view name) { return "field '" + std::string(name) + "'"; }

// Reads one JSON object's fields in the order a decoder asks for them and keeps
// the first error, so a decoder is a list of fields and a finish().
class Reader {
 public:
  explicit Reader(const json& object) : object_(object) {
    if (!object.is_object()) error_ = bad_request("expected a JSON object");
  }

  std::string text(TextField field, bool required = true) {
    if (!error_.is_ok()) return {};
    auto value = read_text(object_, field, required);
    if (!value) return fail(value.status()), std::string();
    return std::move(*value);
  }
  // A string a reply carries: no limit of its own (the bus frame bounds it).
  std::string string(std::string_view name, bool required = true) {
    return text({name, std::numeric_limits<size_t>::max()}, required);
  }

  int64_t integer(std::string_view name) {
    const json* value = find(name);
    if (value == nullptr || !value->is_number_integer()) return fail(bad_request(field_name(name) + " must be an integer")), 0;
    return value->get<int64_t>();
  }
  // null or missing: nullopt.
  std::optional<int64_t> optional_integer(std::string_view name) {
    const json* value = find(name);
    if (value == nullptr || value->is_null()) return std::nullopt;
    return integer(name);
  }

  double number(std::string_view name) {
    const json* value = find(name);
    if (value == nullptr || !value->is_number()) return fail(bad_request(field_name(name) + " must be a number")), 0;
    return value->get<double>();
  }
  // null or missing: nullopt.
  std::optional<double> optional_number(std::string_view name) {
    const json* value = find(name);
    if (value == nullptr || value->is_null()) return std::nullopt;
    return number(name);
  }

  bool boolean(std::string_view name) {
    const json* value = find(name);
    if (value == nullptr || !value->is_boolean()) return fail(bad_request(field_name(name) + " must be true or false")), false;
    return value->get<bool>();
  }
  // A flag that counts only when it is exactly `true`: anything else is false.
  bool flag(std::string_view name) {
    const json* value = find(name);
    return value != nullptr && value->is_boolean() && value->get<bool>();
  }

  std::vector<std::string> strings(std::string_view name) {
    std::vector<std::string> out;
    for (const json& item : array(name)) {
      if (!item.is_string()) return fail(bad_request(field_name(name) + " must hold strings")), std::vector<std::string>();
      out.push_back(item.get<std::string>());
    }
    return out;
  }

  template <typename T>
  T nested(std::string_view name) {
    const json* value = find(name);
    if (!error_.is_ok()) return T{};
    if (value == nullptr || !value->is_object()) return fail(bad_request(field_name(name) + " must be an object")), T{};
    auto decoded = decode<T>(*value);
    if (!decoded) return fail(decoded.status()), T{};
    return std::move(*decoded);
  }
  template <typename T>
  std::optional<T> optional_nested(std::string_view name) {
    const json* value = find(name);
    if (value == nullptr || value->is_null()) return std::nullopt;
    return nested<T>(name);
  }
  template <typename T>
  std::vector<T> list(std::string_view name) {
    std::vector<T> out;
    for (const json& item : array(name)) {
      auto decoded = decode<T>(item);
      if (!decoded) return fail(decoded.status()), std::vector<T>();
      out.push_back(std::move(*decoded));
    }
    return out;
  }
  std::vector<json> jsons(std::string_view name) {
    const json& items = array(name);
    return std::vector<json>(items.begin(), items.end());
  }

  // Who asks for a user or key op: "session", else "operator": true.
  Asker asker() {
    if (!error_.is_ok()) return {};
    if (object_.contains(kSessionField.name)) return Asker::with_session(text(kSessionField));
    if (flag("operator")) return Asker::the_operator();
    fail(bad_request("say who asks: 'session' (a signed-in user) or 'operator: true' (the CLI)"));
    return {};
  }

  template <typename T>
  Result<T> finish(T value) {
    if (!error_.is_ok()) return error_;
    return value;
  }
  const Status& status() const { return error_; }

 private:
  const json* find(std::string_view name) {
    if (!error_.is_ok()) return nullptr;
    auto found = object_.find(name);
    return found == object_.end() ? nullptr : &*found;
  }
  const json& array(std::string_view name) {
    static const json kEmpty = json::array();
    const json* value = find(name);
    if (!error_.is_ok()) return kEmpty;
    if (value == nullptr || !value->is_array()) return fail(bad_request(field_name(name) + " must be an array")), kEmpty;
    return *value;
  }
  void fail(Status status) {
    if (error_.is_ok()) error_ = std::move(status);
  }

  const json& object_;
  Status error_;
};

// A request's JSON: its op's name, then its fields.
json request_of(AuthOp op) { return json{{"op", op_name(op)}}; }

void put_asker(json& out, const Asker& asker) {
  if (asker.session) out[kSessionField.name] = *asker.session;
  else out["operator"] = true;
}

// An optional text field is sent only when set: the responder reads a missing one as "".
void put_if_set(json& out, TextField field, const std::string& value) {
  if (!value.empty()) out[field.name] = value;
}

template <typename T>
json encode_all(const std::vector<T>& items) {
  json out = json::array();
  for (const T& item : items) out.push_back(encode(item));
  return out;
}

}  // namespace

std::optional<AuthOp> op_named(std::string_view name) {
  for (size_t i = 0; i < kAuthOpNames.size(); ++i) {
    if (kAuthOpNames[i] == name) return static_cast<AuthOp>(i);
  }
  return std::nullopt;
}

std::optional<int64_t> user_id_from_text(std::string_view text) {
  if (text.empty() || text.size() > 18 || text.find_first_not_of("0123456789") != std::string_view::npos) return std::nullopt;
  int64_t id = 0;
  for (char digit : text) id = id * 10 + (digit - '0');
  return id;
}

Result<AuthRequestFrame> parse_request(std::string_view body) {
  json message = json::parse(body, nullptr, false);
  if (message.is_discarded() || !message.is_object() || !message.contains("op") || !message["op"].is_string()) {
    return bad_request("an auth request is a JSON object with a string 'op'");
  }
  const std::string name = message["op"].get<std::string>();
  auto op = op_named(name);
  if (!op) return bad_request("unknown auth op '" + name.substr(0, 64) + "'");
  return AuthRequestFrame{*op, std::move(message)};
}

Result<std::string> read_text(const json& object, TextField field, bool required) {
  auto found = object.is_object() ? object.find(field.name) : object.end();
  if (found == object.end() || found->is_null()) {
    if (required) return bad_request("missing " + field_name(field.name));
    return std::string();
  }
  if (!found->is_string()) return bad_request(field_name(field.name) + " must be a string");
  std::string value = found->get<std::string>();
  if (value.size() > field.max_bytes) {
    return bad_request(field_name(field.name) + " is longer than " + std::to_string(field.max_bytes) + " bytes");
  }
  return value;
}

Status check_provider_kind(std::string_view kind) {
  if (std::find(kProviderKinds.begin(), kProviderKinds.end(), kind) != kProviderKinds.end()) return Status::ok();
  std::string names;
  for (std::string_view known : kProviderKinds) names += (names.empty() ? "" : ", ") + std::string(known);
  return bad_request("field '" + std::string(kProviderKindField.name) + "' must be one of " + names);
}

std::string serialize(const json& message) { return message.dump(-1, ' ', false, json::error_handler_t::replace); }

// ---- Requests ----

json encode(const CheckApiKey& request) {
  json out = request_of(CheckApiKey::op);
  out[kApiKeyField.name] = request.key;
  return out;
}
Result<CheckApiKey> decode(const json& message, std::type_identity<CheckApiKey>) {
  Reader in(message);
  return in.finish(CheckApiKey{in.text(kApiKeyField)});
}

json encode(const IssueToken& request) {
  json out = request_of(IssueToken::op);
  out[kApiKeyField.name] = request.key;
  return out;
}
Result<IssueToken> decode(const json& message, std::type_identity<IssueToken>) {
  Reader in(message);
  return in.finish(IssueToken{in.text(kApiKeyField)});
}

json encode(const GetJwks&) { return request_of(GetJwks::op); }
Result<GetJwks> decode(const json&, std::type_identity<GetJwks>) { return GetJwks{}; }

json encode(const RotateSigningKey&) { return request_of(RotateSigningKey::op); }
Result<RotateSigningKey> decode(const json&, std::type_identity<RotateSigningKey>) { return RotateSigningKey{}; }

json encode(const GetSetupStatus&) { return request_of(GetSetupStatus::op); }
Result<GetSetupStatus> decode(const json&, std::type_identity<GetSetupStatus>) { return GetSetupStatus{}; }

json encode(const IssueSetupToken&) { return request_of(IssueSetupToken::op); }
Result<IssueSetupToken> decode(const json&, std::type_identity<IssueSetupToken>) { return IssueSetupToken{}; }

json encode(const CreateFirstUser& request) {
  json out = request_of(CreateFirstUser::op);
  out[kEmailField.name] = request.email;
  out[kPasswordField.name] = request.password;
  out["local"] = request.local;
  put_if_set(out, kSetupTokenField, request.setup_token);
  return out;
}
Result<CreateFirstUser> decode(const json& message, std::type_identity<CreateFirstUser>) {
  Reader in(message);
  CreateFirstUser out;
  out.email = in.text(kEmailField);
  out.password = in.text(kPasswordField);
  out.local = in.flag("local");
  out.setup_token = in.text(kSetupTokenField, false);
  return in.finish(std::move(out));
}

json encode(const SignIn& request) {
  json out = request_of(SignIn::op);
  out[kEmailField.name] = request.email;
  out[kPasswordField.name] = request.password;
  put_if_set(out, kAddressField, request.address);
  put_if_set(out, kDeviceField, request.device);
  return out;
}
Result<SignIn> decode(const json& message, std::type_identity<SignIn>) {
  Reader in(message);
  return in.finish(SignIn{in.text(kEmailField), in.text(kPasswordField), in.text(kAddressField, false), in.text(kDeviceField, false)});
}

json encode(const CheckSession& request) {
  json out = request_of(CheckSession::op);
  out[kSessionField.name] = request.session;
  return out;
}
Result<CheckSession> decode(const json& message, std::type_identity<CheckSession>) {
  Reader in(message);
  return in.finish(CheckSession{in.text(kSessionField)});
}

json encode(const SignOut& request) {
  json out = request_of(SignOut::op);
  out[kSessionField.name] = request.session;
  return out;
}
Result<SignOut> decode(const json& message, std::type_identity<SignOut>) {
  Reader in(message);
  return in.finish(SignOut{in.text(kSessionField)});
}

json encode(const ListUsers& request) {
  json out = request_of(ListUsers::op);
  put_asker(out, request.asker);
  return out;
}
Result<ListUsers> decode(const json& message, std::type_identity<ListUsers>) {
  Reader in(message);
  return in.finish(ListUsers{in.asker()});
}

json encode(const CreateUser& request) {
  json out = request_of(CreateUser::op);
  put_asker(out, request.asker);
  out[kEmailField.name] = request.email;
  out[kPasswordField.name] = request.password;
  put_if_set(out, kRoleField, request.role);
  return out;
}
Result<CreateUser> decode(const json& message, std::type_identity<CreateUser>) {
  Reader in(message);
  return in.finish(CreateUser{in.asker(), in.text(kEmailField), in.text(kPasswordField), in.text(kRoleField, false)});
}

json encode(const DeleteUser& request) {
  json out = request_of(DeleteUser::op);
  put_asker(out, request.asker);
  out["id"] = request.id;
  return out;
}
Result<DeleteUser> decode(const json& message, std::type_identity<DeleteUser>) {
  Reader in(message);
  return in.finish(DeleteUser{in.asker(), in.integer("id")});
}

json encode(const SetUserRole& request) {
  json out = request_of(SetUserRole::op);
  put_asker(out, request.asker);
  out["id"] = request.id;
  out[kRoleField.name] = request.role;
  return out;
}
Result<SetUserRole> decode(const json& message, std::type_identity<SetUserRole>) {
  Reader in(message);
  return in.finish(SetUserRole{in.asker(), in.integer("id"), in.text(kRoleField)});
}

json encode(const ListApiKeys& request) {
  json out = request_of(ListApiKeys::op);
  put_asker(out, request.asker);
  return out;
}
Result<ListApiKeys> decode(const json& message, std::type_identity<ListApiKeys>) {
  Reader in(message);
  return in.finish(ListApiKeys{in.asker()});
}

json encode(const CreateApiKey& request) {
  json out = request_of(CreateApiKey::op);
  put_asker(out, request.asker);
  out[kKeyNameField.name] = request.name;
  return out;
}
Result<CreateApiKey> decode(const json& message, std::type_identity<CreateApiKey>) {
  Reader in(message);
  return in.finish(CreateApiKey{in.asker(), in.text(kKeyNameField)});
}

json encode(const DeleteApiKey& request) {
  json out = request_of(DeleteApiKey::op);
  put_asker(out, request.asker);
  out[kKeyIdField.name] = request.id;
  return out;
}
Result<DeleteApiKey> decode(const json& message, std::type_identity<DeleteApiKey>) {
  Reader in(message);
  return in.finish(DeleteApiKey{in.asker(), in.text(kKeyIdField)});
}

json encode(const GetKeyStates&) { return request_of(GetKeyStates::op); }
Result<GetKeyStates> decode(const json&, std::type_identity<GetKeyStates>) { return GetKeyStates{}; }

// A model price's fields, inside a request or a reply: the cached-input price only when set.
void put_price(json& out, const ModelPrice& price) {
  out["input_per_million"] = price.input_per_million;
  out["output_per_million"] = price.output_per_million;
  if (price.cached_input_per_million) out["cached_input_per_million"] = *price.cached_input_per_million;
}
ModelPrice read_price(Reader& in) {
  ModelPrice price;
  price.input_per_million = in.number("input_per_million");
  price.output_per_million = in.number("output_per_million");
  price.cached_input_per_million = in.optional_number("cached_input_per_million");
  return price;
}

json encode(const ListPrices&) { return request_of(ListPrices::op); }
Result<ListPrices> decode(const json&, std::type_identity<ListPrices>) { return ListPrices{}; }

json encode(const SetPrice& request) {
  json out = request_of(SetPrice::op);
  put_asker(out, request.asker);
  out[kModelField.name] = request.model;
  put_price(out, request.price);
  return out;
}
Result<SetPrice> decode(const json& message, std::type_identity<SetPrice>) {
  Reader in(message);
  SetPrice out;
  out.asker = in.asker();
  out.model = in.text(kModelField);
  out.price = read_price(in);
  return in.finish(std::move(out));
}

json encode(const DeletePrice& request) {
  json out = request_of(DeletePrice::op);
  put_asker(out, request.asker);
  out[kModelField.name] = request.model;
  return out;
}
Result<DeletePrice> decode(const json& message, std::type_identity<DeletePrice>) {
  Reader in(message);
  return in.finish(DeletePrice{in.asker(), in.text(kModelField)});
}

json encode(const ListProviders&) { return request_of(ListProviders::op); }
Result<ListProviders> decode(const json&, std::type_identity<ListProviders>) { return ListProviders{}; }

json encode(const SetProvider& request) {
  json out = request_of(SetProvider::op);
  put_asker(out, request.asker);
  out[kProviderNameField.name] = request.name;
  out[kProviderKindField.name] = request.kind;
  out[kProviderBaseUrlField.name] = request.base_url;
  if (request.api_key) out[kProviderApiKeyField.name] = *request.api_key;  // absent: keep the stored key
  return out;
}
Result<SetProvider> decode(const json& message, std::type_identity<SetProvider>) {
  Reader in(message);
  SetProvider out;
  out.asker = in.asker();
  out.name = in.text(kProviderNameField);
  out.kind = in.text(kProviderKindField);
  out.base_url = in.text(kProviderBaseUrlField);
  if (message.contains(kProviderApiKeyField.name) && !message[kProviderApiKeyField.name].is_null()) {
    out.api_key = in.text(kProviderApiKeyField);
  }
  return in.finish(std::move(out));
}

json encode(const DeleteProvider& request) {
  json out = request_of(DeleteProvider::op);
  put_asker(out, request.asker);
  out[kProviderNameField.name] = request.name;
  return out;
}
Result<DeleteProvider> decode(const json& message, std::type_identity<DeleteProvider>) {
  Reader in(message);
  return in.finish(DeleteProvider{in.asker(), in.text(kProviderNameField)});
}

json encode(const GetProviderEndpoints&) { return request_of(GetProviderEndpoints::op); }
Result<GetProviderEndpoints> decode(const json&, std::type_identity<GetProviderEndpoints>) { return GetProviderEndpoints{}; }

// ---- Replies ----

json encode(const UserInfo& user) {
  return {{"id", user.id}, {"email", user.email}, {"created_at_ms", user.created_at_ms}, {"role", user.role}};
}
Result<UserInfo> decode(const json& message, std::type_identity<UserInfo>) {
  Reader in(message);
  return in.finish(UserInfo{in.integer("id"), in.string("email"), in.integer("created_at_ms"), in.string("role")});
}

json encode(const KeyOwner& owner) { return {{"id", owner.id}, {"email", owner.email}}; }
Result<KeyOwner> decode(const json& message, std::type_identity<KeyOwner>) {
  Reader in(message);
  return in.finish(KeyOwner{in.integer("id"), in.string("email")});
}

json encode(const ApiKeyInfo& key) {
  json out = {{"id", key.id}, {"name", key.name}, {"created_at_ms", key.created_at_ms}};
  out["last_used_at_ms"] = key.last_used_at_ms ? json(*key.last_used_at_ms) : json(nullptr);
  out["owner"] = key.owner ? encode(*key.owner) : json(nullptr);
  return out;
}
Result<ApiKeyInfo> decode(const json& message, std::type_identity<ApiKeyInfo>) {
  Reader in(message);
  return in.finish(ApiKeyInfo{in.string("id"), in.string("name"), in.integer("created_at_ms"), in.optional_integer("last_used_at_ms"),
                              in.optional_nested<KeyOwner>("owner")});
}

json encode(const NewSession& session) {
  return {{"user", encode(session.user)}, {"session", session.session}, {"expires_at_ms", session.expires_at_ms}, {"device", session.device}};
}
Result<NewSession> decode(const json& message, std::type_identity<NewSession>) {
  Reader in(message);
  return in.finish(NewSession{in.nested<UserInfo>("user"), in.string("session"), in.integer("expires_at_ms"), in.string("device", false)});
}

json encode(const Done&) { return json::object(); }
Result<Done> decode(const json& message, std::type_identity<Done>) {
  Reader in(message);
  return in.finish(Done{});
}

json encode(const ApiKeyChecked& reply) { return {{"key_id", reply.key_id}, {"name", reply.name}}; }
Result<ApiKeyChecked> decode(const json& message, std::type_identity<ApiKeyChecked>) {
  Reader in(message);
  return in.finish(ApiKeyChecked{in.string("key_id"), in.string("name")});
}

json encode(const IssuedToken& reply) {
  return {{"token", reply.token}, {"token_type", reply.token_type}, {"expires_in", reply.expires_in}};
}
Result<IssuedToken> decode(const json& message, std::type_identity<IssuedToken>) {
  Reader in(message);
  return in.finish(IssuedToken{in.string("token"), in.string("token_type"), in.integer("expires_in")});
}

json encode(const JwkSet& reply) { return {{"keys", json(reply.keys)}}; }
Result<JwkSet> decode(const json& message, std::type_identity<JwkSet>) {
  Reader in(message);
  return in.finish(JwkSet{in.jsons("keys")});
}

json encode(const RotatedSigningKey& reply) { return {{"kid", reply.kid}}; }
Result<RotatedSigningKey> decode(const json& message, std::type_identity<RotatedSigningKey>) {
  Reader in(message);
  return in.finish(RotatedSigningKey{in.string("kid")});
}

json encode(const SetupState& reply) { return {{"has_users", reply.has_users}}; }
Result<SetupState> decode(const json& message, std::type_identity<SetupState>) {
  Reader in(message);
  return in.finish(SetupState{in.boolean("has_users")});
}

json encode(const SetupToken& reply) { return {{"token", reply.token}, {"expires_at_ms", reply.expires_at_ms}}; }
Result<SetupToken> decode(const json& message, std::type_identity<SetupToken>) {
  Reader in(message);
  return in.finish(SetupToken{in.string("token"), in.integer("expires_at_ms")});
}

json encode(const SignInResult& reply) {
  if (reply.throttled_for_s) return {{"throttled", true}, {"retry_after_s", *reply.throttled_for_s}};
  return encode(reply.session);
}
Result<SignInResult> decode(const json& message, std::type_identity<SignInResult>) {
  Reader in(message);
  if (in.flag("throttled")) return in.finish(SignInResult{in.integer("retry_after_s"), {}});
  auto session = decode<NewSession>(message);
  if (!session) return session.status();
  return SignInResult{std::nullopt, std::move(*session)};
}

json encode(const UserReply& reply) { return {{"user", encode(reply.user)}}; }
Result<UserReply> decode(const json& message, std::type_identity<UserReply>) {
  Reader in(message);
  return in.finish(UserReply{in.nested<UserInfo>("user")});
}

json encode(const UserList& reply) { return {{"users", encode_all(reply.users)}}; }
Result<UserList> decode(const json& message, std::type_identity<UserList>) {
  Reader in(message);
  return in.finish(UserList{in.list<UserInfo>("users")});
}

json encode(const UserDeleted& reply) { return {{"revoked_key_ids", json(reply.revoked_key_ids)}}; }
Result<UserDeleted> decode(const json& message, std::type_identity<UserDeleted>) {
  Reader in(message);
  return in.finish(UserDeleted{in.strings("revoked_key_ids")});
}

json encode(const ApiKeyList& reply) { return {{"api_keys", encode_all(reply.api_keys)}}; }
Result<ApiKeyList> decode(const json& message, std::type_identity<ApiKeyList>) {
  Reader in(message);
  return in.finish(ApiKeyList{in.list<ApiKeyInfo>("api_keys")});
}

json encode(const CreatedApiKey& reply) {
  json out = encode(reply.info);
  out["key"] = reply.key;
  return out;
}
Result<CreatedApiKey> decode(const json& message, std::type_identity<CreatedApiKey>) {
  auto info = decode<ApiKeyInfo>(message);
  if (!info) return info.status();
  Reader in(message);
  return in.finish(CreatedApiKey{std::move(*info), in.string("key")});
}

json encode(const KeyStatesReply& reply) {
  return {{"live_key_ids", json(reply.live_key_ids)}, {"revoked_key_ids", json(reply.revoked_key_ids)}, {"token_ttl_s", reply.token_ttl_s}};
}
Result<KeyStatesReply> decode(const json& message, std::type_identity<KeyStatesReply>) {
  Reader in(message);
  return in.finish(KeyStatesReply{in.strings("live_key_ids"), in.strings("revoked_key_ids"), in.integer("token_ttl_s")});
}

json encode(const PriceChange& change) {
  json out = {{"model", change.model}, {"effective_from_ns", change.effective_from_ns}, {"changed_by", change.changed_by}};
  json price = nullptr;  // no price from then on
  if (change.price) put_price(price = json::object(), *change.price);
  out["price"] = std::move(price);
  return out;
}
Result<PriceChange> decode(const json& message, std::type_identity<PriceChange>) {
  Reader in(message);
  PriceChange out{in.string("model"), std::nullopt, in.integer("effective_from_ns"), in.string("changed_by")};
  auto price = message.is_object() ? message.find("price") : message.end();
  if (in.status().is_ok() && price != message.end() && !price->is_null()) {
    Reader price_in(*price);
    out.price = read_price(price_in);
    if (!price_in.status().is_ok()) return price_in.status();
  }
  return in.finish(std::move(out));
}

json encode(const PriceList& reply) { return {{"changes", encode_all(reply.changes)}}; }
Result<PriceList> decode(const json& message, std::type_identity<PriceList>) {
  Reader in(message);
  return in.finish(PriceList{in.list<PriceChange>("changes")});
}

json encode(const ProviderInfo& provider) {
  return {{"name", provider.name},         {"kind", provider.kind},
          {"base_url", provider.base_url}, {"key_set", provider.key_set},
          {"updated_ns", provider.updated_ns}, {"updated_by", provider.updated_by}};
}
Result<ProviderInfo> decode(const json& message, std::type_identity<ProviderInfo>) {
  Reader in(message);
  return in.finish(ProviderInfo{in.string("name"), in.string("kind"), in.string("base_url"), in.boolean("key_set"),
                                in.integer("updated_ns"), in.string("updated_by")});
}

json encode(const ProviderList& reply) { return {{"providers", encode_all(reply.providers)}}; }
Result<ProviderList> decode(const json& message, std::type_identity<ProviderList>) {
  Reader in(message);
  return in.finish(ProviderList{in.list<ProviderInfo>("providers")});
}

json encode(const ProviderSecret& provider) {
  json out = encode(provider.info);
  out["api_key"] = provider.api_key;
  if (provider.key_unreadable) out["key_unreadable"] = true;
  return out;
}
Result<ProviderSecret> decode(const json& message, std::type_identity<ProviderSecret>) {
  auto info = decode<ProviderInfo>(message);
  if (!info) return info.status();
  Reader in(message);
  return in.finish(ProviderSecret{std::move(*info), in.string("api_key"), in.flag("key_unreadable")});
}

json encode(const ProviderSecretList& reply) { return {{"providers", encode_all(reply.providers)}}; }
Result<ProviderSecretList> decode(const json& message, std::type_identity<ProviderSecretList>) {
  Reader in(message);
  return in.finish(ProviderSecretList{in.list<ProviderSecret>("providers")});
}

// ---- Broadcasts ----

namespace {

json event_fields(const event::Hello& hello) { return {{"instance_started_ms", hello.instance_started_ms}}; }
json event_fields(const event::ApiKeyRevoked& revoked) { return {{"key_id", revoked.key_id}, {"key_hash", revoked.key_hash}}; }
json event_fields(const event::UserDeleted& deleted) { return {{"user_id", deleted.user_id}}; }
json event_fields(const event::UserChanged& changed) { return {{"user_id", changed.user_id}}; }
json event_fields(const event::SessionEnded& ended) { return {{"session_hash", ended.session_hash}}; }
json event_fields(const event::SigningKeyRotated& rotated) { return {{"kid", rotated.kid}}; }

event::Hello read_event(Reader& in, std::type_identity<event::Hello>) { return {in.integer("instance_started_ms")}; }
event::ApiKeyRevoked read_event(Reader& in, std::type_identity<event::ApiKeyRevoked>) {
  return {in.string("key_id"), in.string("key_hash")};
}
event::UserDeleted read_event(Reader& in, std::type_identity<event::UserDeleted>) { return {in.integer("user_id")}; }
event::UserChanged read_event(Reader& in, std::type_identity<event::UserChanged>) { return {in.integer("user_id")}; }
event::SessionEnded read_event(Reader& in, std::type_identity<event::SessionEnded>) { return {in.string("session_hash")}; }
event::SigningKeyRotated read_event(Reader& in, std::type_identity<event::SigningKeyRotated>) { return {in.string("kid")}; }

// The alternative of AuthEvent named `name`, read from `in`; nullopt when none is.
template <size_t I = 0>
std::optional<AuthEvent> read_event_named(std::string_view name, Reader& in) {
  if constexpr (I == std::variant_size_v<AuthEvent>) {
    return std::nullopt;
  } else {
    using Kind = std::variant_alternative_t<I, AuthEvent>;
    if (Kind::name == name) return AuthEvent{read_event(in, std::type_identity<Kind>{})};
    return read_event_named<I + 1>(name, in);
  }
}

}  // namespace

json encode(const AuthEvent& event) {
  return std::visit(
      [](const auto& kind) {
        json out = event_fields(kind);
        out["event"] = kind.name;
        return out;
      },
      event);
}

Result<AuthEvent> decode_event(const json& message) {
  Reader in(message);
  const std::string name = in.string("event");
  if (!in.status().is_ok()) return in.status();
  auto event = read_event_named(name, in);
  if (!event) return bad_request("unknown auth event '" + name.substr(0, 64) + "'");
  return in.finish(std::move(*event));
}

}  // namespace spanline::auth
