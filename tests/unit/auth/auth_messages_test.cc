// The auth hop's contract (protocol/auth): every message survives the wire both
// ways, the wire format is the one both ends have always spoken, and what is
// malformed is refused with the words the auth-responder has always used.
#include <gtest/gtest.h>

#include <set>
#include <tuple>

#include "protocol/auth/auth_codec.h"
#include "protocol/auth/auth_messages.h"

namespace spanline::auth {
namespace {

// One request of every op, each field set to something other than its default.
const auto kRequests = std::make_tuple(
    CheckApiKey{"spl_key"}, IssueToken{"spl_other"}, GetJwks{}, RotateSigningKey{}, GetSetupStatus{}, IssueSetupToken{},
    CreateFirstUser{"first@example.com", "long enough", true, "setup-token"},
    SignIn{"a@example.com", "correct horse", "10.0.0.1", "device-cookie"}, CheckSession{"session-a"}, SignOut{"session-b"},
    ListUsers{Asker::with_session("session-c")}, CreateUser{Asker::the_operator(), "b@example.com", "long enough", "viewer"},
    DeleteUser{Asker::with_session("session-d"), 42}, SetUserRole{Asker::the_operator(), 7, "admin"},
    ListApiKeys{Asker::the_operator()}, CreateApiKey{Asker::with_session("session-e"), "laptop"},
    DeleteApiKey{Asker::the_operator(), "00ff00ff00ff00ff"}, GetKeyStates{}, ListPrices{},
    SetPrice{Asker::with_session("session-h"), "gpt-4o", ModelPrice{2.5, 10, 1.25}}, DeletePrice{Asker::the_operator(), "claude-3-5-sonnet"},
    ListProviders{}, SetProvider{Asker::with_session("session-i"), "local-ollama", "openai", "http://127.0.0.1:11434/v1", "sk-secret"},
    DeleteProvider{Asker::the_operator(), "local-ollama"}, GetProviderEndpoints{});

const UserInfo kUser{3, "c@example.com", 1700000000123, "member"};
const ApiKeyInfo kOwnedKey{"0123456789abcdef", "ci", 1700000000000, 1700000005000, KeyOwner{3, "c@example.com"}};
const ApiKeyInfo kOrphanKey{"fedcba9876543210", "before setup", 1600000000000, std::nullopt, std::nullopt};
const NewSession kSession{kUser, "session-f", 1700003600000, "device-g"};
const PriceChange kPriced{"gpt-4o", ModelPrice{2.5, 10.25, std::nullopt}, 1700000000123456789, "c@example.com"};
const PriceChange kUnpriced{"gpt-4o", std::nullopt, 1700000000999999999, "operator"};
const ProviderInfo kProvider{"local-ollama", "openai", "http://127.0.0.1:11434/v1", true, 1700000000123456789, "c@example.com"};
const ProviderInfo kKeylessProvider{"claude.eu", "anthropic", "https://api.anthropic.com", false, 1, "operator"};

// One reply of every type (sign-in twice: signed in, and throttled).
const auto kReplies = std::make_tuple(
    Done{}, ApiKeyChecked{"0123456789abcdef", "ci"}, IssuedToken{"eyJ.a.b", "Bearer", 3600},
    JwkSet{{json{{"kty", "OKP"}, {"crv", "Ed25519"}, {"kid", "k1"}, {"x", "abc"}}}}, RotatedSigningKey{"k2"}, SetupState{true},
    SetupToken{"setup-h", 1700000900000}, kSession, SignInResult{std::nullopt, kSession}, SignInResult{30, {}}, UserReply{kUser},
    UserList{{kUser, UserInfo{4, "d@example.com", 1, "admin"}}}, UserDeleted{{"k-a", "k-b"}}, ApiKeyList{{kOwnedKey, kOrphanKey}},
    CreatedApiKey{kOwnedKey, "spl_secret"}, KeyStatesReply{{"live-1"}, {"gone-1", "gone-2"}, 3600}, kPriced, kUnpriced,
    PriceList{{kPriced, PriceChange{"o1", ModelPrice{15, 60, 7.5}, 1, "d@example.com"}, kUnpriced}}, PriceList{}, kProvider,
    ProviderList{{kKeylessProvider, kProvider}}, ProviderList{},
    ProviderSecretList{{ProviderSecret{kKeylessProvider, "", false}, ProviderSecret{kProvider, "sk-secret", false},
                        ProviderSecret{kProvider, "", true}}});

template <typename T, typename Tuple>
constexpr bool holds_type = false;
template <typename T, typename... Ts>
constexpr bool holds_type<T, std::tuple<Ts...>> = (std::is_same_v<T, Ts> || ...);

template <typename Request>
void expect_request_round_trip(const Request& request) {
  static_assert(holds_type<typename Request::Reply, std::decay_t<decltype(kReplies)>>, "every reply type has a sample");
  const std::string bytes = serialize(encode(request));
  auto frame = parse_request(bytes);
  ASSERT_TRUE(frame.is_ok()) << bytes << ": " << frame.status().to_string();
  EXPECT_EQ(frame->op, Request::op) << bytes;
  auto decoded = decode<Request>(frame->message);
  ASSERT_TRUE(decoded.is_ok()) << bytes << ": " << decoded.status().to_string();
  EXPECT_TRUE(*decoded == request) << "changed on the way: " << bytes;
}

template <typename Reply>
void expect_reply_round_trip(const Reply& reply) {
  const json wire = json::parse(serialize(encode(reply)));
  auto decoded = decode<Reply>(wire);
  ASSERT_TRUE(decoded.is_ok()) << wire.dump() << ": " << decoded.status().to_string();
  EXPECT_TRUE(*decoded == reply) << "changed on the way: " << wire.dump();
}

TEST(AuthMessages, EveryOpHasOneNameThatLeadsBackToIt) {
  std::set<std::string_view> names;
  for (size_t i = 0; i < kAuthOpNames.size(); ++i) {
    const auto op = static_cast<AuthOp>(i);
    EXPECT_TRUE(names.insert(op_name(op)).second) << op_name(op) << " named twice";
    EXPECT_EQ(op_named(op_name(op)), op);
  }
  EXPECT_EQ(op_named("drop_tables"), std::nullopt);
  EXPECT_EQ(op_named(""), std::nullopt);
}

TEST(AuthMessages, EveryRequestSurvivesTheWireAndEveryOpHasOne) {
  std::set<AuthOp> covered;
  std::apply([&](const auto&... request) { (covered.insert(std::decay_t<decltype(request)>::op), ...); }, kRequests);
  EXPECT_EQ(covered.size(), kAuthOpNames.size()) << "a request type per op, each in the sample";
  std::apply([](const auto&... request) { (expect_request_round_trip(request), ...); }, kRequests);
}

TEST(AuthMessages, EveryReplySurvivesTheWire) {
  std::apply([](const auto&... reply) { (expect_reply_round_trip(reply), ...); }, kReplies);
}

// The JSON both ends spoke before the messages were typed: an older api or CLI
// talks to a newer auth-responder, and the api hands several replies to browsers as they are.
TEST(AuthMessages, TheWireFormatIsTheOneBothEndsAlreadySpeak) {
  EXPECT_EQ(encode(SignIn{"a@example.com", "pw", "10.0.0.1", ""}),
            json::parse(R"({"op":"sign_in","email":"a@example.com","password":"pw","address":"10.0.0.1"})"))
      << "no device cookie: no device field";
  EXPECT_EQ(encode(ListUsers{Asker::the_operator()}), json::parse(R"({"op":"list_users","operator":true})"));
  EXPECT_EQ(encode(DeleteApiKey{Asker::with_session("s"), "k"}), json::parse(R"({"op":"delete_api_key","session":"s","id":"k"})"));
  EXPECT_EQ(encode(CreateUser{Asker::the_operator(), "b@example.com", "pw", ""}),
            json::parse(R"({"op":"create_user","operator":true,"email":"b@example.com","password":"pw"})"))
      << "no role: the responder's default (member)";
  EXPECT_EQ(encode(GetJwks{}), json::parse(R"({"op":"jwks"})"));
  EXPECT_EQ(encode(kOrphanKey), json::parse(R"({"id":"fedcba9876543210","name":"before setup","created_at_ms":1600000000000,
                                                 "last_used_at_ms":null,"owner":null})"));
  EXPECT_EQ(encode(CreatedApiKey{kOwnedKey, "spl_x"})["key"], "spl_x") << "the secret sits beside the key's fields";
  EXPECT_EQ(encode(SignInResult{12, {}}), json::parse(R"({"throttled":true,"retry_after_s":12})"));
  EXPECT_EQ(encode(Done{}), json::object());
  EXPECT_EQ(encode(kSession), json::parse(R"({"user":{"id":3,"email":"c@example.com","created_at_ms":1700000000123,"role":"member"},
                                              "session":"session-f","expires_at_ms":1700003600000,"device":"device-g"})"));
}

std::string refusal(std::string_view body) {
  auto frame = parse_request(body);
  if (!frame) return frame.status().to_string();
  return "accepted";
}

TEST(AuthMessages, AFrameThatIsNotARequestIsRefusedWithTheResponderSWords) {
  const std::string not_a_request = "invalid_argument: an auth request is a JSON object with a string 'op'";
  for (std::string_view body : {"", "{not json", "[1,2]", "\"sign_in\"", "{}", R"({"op":5})", R"({"op":null})", R"({"email":"a"})"}) {
    EXPECT_EQ(refusal(body), not_a_request) << body;
  }
  EXPECT_EQ(refusal(R"({"op":"drop_tables"})"), "invalid_argument: unknown auth op 'drop_tables'");
  const std::string long_name(100, 'x');
  EXPECT_EQ(refusal(R"({"op":")" + long_name + "\"}"), "invalid_argument: unknown auth op '" + long_name.substr(0, 64) + "'")
      << "an unknown name is quoted cut to 64 bytes";
}

template <typename Request>
std::string field_refusal(const std::string& body) {
  auto decoded = decode<Request>(json::parse(body));
  return decoded ? "accepted" : decoded.status().to_string();
}

TEST(AuthMessages, AMalformedFieldIsRefusedNamingTheField) {
  EXPECT_EQ(field_refusal<SignIn>(R"({"password":"x"})"), "invalid_argument: missing field 'email'");
  EXPECT_EQ(field_refusal<SignIn>(R"({"email":null,"password":"x"})"), "invalid_argument: missing field 'email'");
  EXPECT_EQ(field_refusal<SignIn>(R"({"email":5,"password":"x"})"), "invalid_argument: field 'email' must be a string");
  EXPECT_EQ(field_refusal<SignIn>(R"({"email":"a@b","password":"x","device":[]})"), "invalid_argument: field 'device' must be a string");
  EXPECT_EQ(field_refusal<SignIn>(R"({"email":"a@b","password":"x"})"), "accepted") << "address and device are optional";
  EXPECT_EQ(field_refusal<CheckApiKey>(json{{"key", std::string(kApiKeyField.max_bytes, 'k')}}.dump()), "accepted");
  EXPECT_EQ(field_refusal<CheckApiKey>(json{{"key", std::string(kApiKeyField.max_bytes + 1, 'k')}}.dump()),
            "invalid_argument: field 'key' is longer than 256 bytes");
  EXPECT_EQ(field_refusal<DeleteUser>(R"({"operator":true,"id":"3"})"), "invalid_argument: field 'id' must be an integer");
  EXPECT_EQ(field_refusal<DeleteUser>(R"({"operator":true})"), "invalid_argument: field 'id' must be an integer");
  EXPECT_EQ(field_refusal<SetUserRole>(R"({"operator":true,"id":3})"), "invalid_argument: missing field 'role'");
  EXPECT_EQ(field_refusal<CreateApiKey>(R"({"operator":true,"name":7})"), "invalid_argument: field 'name' must be a string");
}

TEST(AuthMessages, AUserOrKeyOpMustSayWhoAsksAndOnlyTrueMeansTheOperator) {
  const std::string say_who = "invalid_argument: say who asks: 'session' (a signed-in user) or 'operator: true' (the CLI)";
  EXPECT_EQ(field_refusal<ListUsers>("{}"), say_who);
  EXPECT_EQ(field_refusal<ListUsers>(R"({"operator":false})"), say_who);
  EXPECT_EQ(field_refusal<ListUsers>(R"({"operator":"true"})"), say_who);
  EXPECT_EQ(field_refusal<ListUsers>(R"({"operator":1})"), say_who);
  EXPECT_EQ(field_refusal<ListUsers>(R"({"session":null,"operator":true})"), "invalid_argument: missing field 'session'")
      << "a session field, even null, is never read as the operator";
  auto empty_session = decode<ListUsers>(json::parse(R"({"session":""})"));
  ASSERT_TRUE(empty_session.is_ok());
  EXPECT_EQ(empty_session->asker, Asker::with_session("")) << "an empty session is a (wrong) session, not the operator";
  EXPECT_EQ(decode<ListUsers>(json::parse(R"({"operator":true})"))->asker, Asker::the_operator());
}

TEST(AuthMessages, OnlyTrueVouchesForALoopbackClient) {
  for (const char* local : {R"("true")", "1", "null", "false"}) {
    auto decoded = decode<CreateFirstUser>(json::parse(std::string(R"({"email":"a@b","password":"x","local":)") + local + "}"));
    ASSERT_TRUE(decoded.is_ok()) << local;
    EXPECT_FALSE(decoded->local) << local;
  }
}

TEST(AuthMessages, APriceTravelsInUsdPerMillionTokensWithTheCachedPriceOnlyWhenSet) {
  EXPECT_EQ(encode(SetPrice{Asker::the_operator(), "gpt-4o", ModelPrice{2.5, 10, std::nullopt}}),
            json::parse(R"({"op":"set_price","operator":true,"model":"gpt-4o","input_per_million":2.5,"output_per_million":10})"));
  EXPECT_EQ(encode(kUnpriced),
            json::parse(R"({"model":"gpt-4o","price":null,"effective_from_ns":1700000000999999999,"changed_by":"operator"})"))
      << "a deletion is a change to no price";
  auto whole = decode<SetPrice>(json::parse(R"({"operator":true,"model":"m","input_per_million":3,"output_per_million":0})"));
  ASSERT_TRUE(whole.is_ok()) << whole.status().to_string();
  EXPECT_EQ(whole->price, (ModelPrice{3, 0, std::nullopt})) << "integers are prices too";
  EXPECT_EQ(field_refusal<SetPrice>(R"({"operator":true,"model":"m","input_per_million":"3","output_per_million":1})"),
            "invalid_argument: field 'input_per_million' must be a number");
  EXPECT_EQ(field_refusal<SetPrice>(R"({"operator":true,"model":"m","input_per_million":3})"),
            "invalid_argument: field 'output_per_million' must be a number");
  EXPECT_EQ(field_refusal<SetPrice>(R"({"operator":true,"model":"m","input_per_million":1,"output_per_million":1,"cached_input_per_million":true})"),
            "invalid_argument: field 'cached_input_per_million' must be a number");
  EXPECT_EQ(field_refusal<DeletePrice>(json{{"operator", true}, {"model", std::string(kModelField.max_bytes + 1, 'm')}}.dump()),
            "invalid_argument: field 'model' is longer than 256 bytes");
  EXPECT_EQ(field_refusal<DeletePrice>(R"({"model":"m"})"),
            "invalid_argument: say who asks: 'session' (a signed-in user) or 'operator: true' (the CLI)")
      << "changing prices names who asks";
  EXPECT_FALSE(decode<PriceChange>(json::parse(R"({"model":"m","price":5,"effective_from_ns":1,"changed_by":"x"})")).is_ok());
  EXPECT_FALSE(decode<PriceChange>(json::parse(R"({"model":"m","price":{"input_per_million":1},"effective_from_ns":1,"changed_by":"x"})")).is_ok());
}

TEST(AuthMessages, AProviderKeyAbsentKeepsTheStoredOneAndEmptyRemovesIt) {
  const Asker admin = Asker::with_session("s");
  EXPECT_EQ(encode(SetProvider{admin, "p", "gemini", "https://g.example", std::nullopt}),
            json::parse(R"({"op":"set_provider","session":"s","name":"p","kind":"gemini","base_url":"https://g.example"})"));
  EXPECT_EQ(encode(SetProvider{admin, "p", "gemini", "https://g.example", ""})["api_key"], "");
  for (const std::optional<std::string>& key : {std::optional<std::string>(), std::optional<std::string>(""), std::optional<std::string>("k")}) {
    auto decoded = decode<SetProvider>(encode(SetProvider{admin, "p", "gemini", "https://g.example", key}));
    ASSERT_TRUE(decoded.is_ok());
    EXPECT_EQ(decoded->api_key, key);
  }
  EXPECT_EQ(decode<SetProvider>(json::parse(R"({"operator":true,"name":"p","kind":"openai","base_url":"http://h","api_key":null})"))->api_key,
            std::nullopt)
      << "null is absent: keep";
  EXPECT_FALSE(encode(kProvider).contains("api_key")) << "a listed provider never carries a key";
  EXPECT_FALSE(encode(ProviderSecret{kProvider, "sk", false}).contains("key_unreadable"));
}

TEST(AuthMessages, AProviderFieldPastItsLimitOrOfTheWrongTypeIsRefusedNamingIt) {
  const auto set = [](const std::string& name, const std::string& url, const json& key) {
    json message = {{"operator", true}, {"name", name}, {"kind", "openai"}, {"base_url", url}, {"api_key", key}};
    return field_refusal<SetProvider>(message.dump());
  };
  EXPECT_EQ(set(std::string(kProviderNameField.max_bytes, 'n'), "http://h", "k"), "accepted");
  EXPECT_EQ(set(std::string(kProviderNameField.max_bytes + 1, 'n'), "http://h", "k"), "invalid_argument: field 'name' is longer than 64 bytes");
  EXPECT_EQ(set("p", "http://" + std::string(kProviderBaseUrlField.max_bytes, 'h'), "k"),
            "invalid_argument: field 'base_url' is longer than 2048 bytes");
  EXPECT_EQ(set("p", "http://h", std::string(kProviderApiKeyField.max_bytes, 'k')), "accepted");
  EXPECT_EQ(set("p", "http://h", std::string(kProviderApiKeyField.max_bytes + 1, 'k')),
            "invalid_argument: field 'api_key' is longer than 4096 bytes");
  EXPECT_EQ(set("p", "http://h", 5), "invalid_argument: field 'api_key' must be a string");
  EXPECT_EQ(field_refusal<SetProvider>(R"({"operator":true,"name":"p","base_url":"http://h"})"), "invalid_argument: missing field 'kind'");
  EXPECT_EQ(field_refusal<DeleteProvider>(R"({"name":"p"})"),
            "invalid_argument: say who asks: 'session' (a signed-in user) or 'operator: true' (the CLI)");
  EXPECT_FALSE(decode<ProviderInfo>(json::parse(R"({"name":"p","kind":"openai","base_url":"h","key_set":"yes","updated_ns":1,"updated_by":"x"})")).is_ok());
  EXPECT_FALSE(decode<ProviderSecretList>(json::parse(R"({"providers":[{"name":"p"}]})")).is_ok());
}

TEST(AuthMessages, AMalformedReplyIsRefused) {
  EXPECT_FALSE(decode<UserList>(json::parse(R"({"users":[5]})")).is_ok());
  EXPECT_FALSE(decode<UserList>(json::parse(R"({"users":{}})")).is_ok());
  EXPECT_FALSE(decode<KeyStatesReply>(json::parse(R"({"live_key_ids":[1],"revoked_key_ids":[],"token_ttl_s":1})")).is_ok());
  EXPECT_FALSE(decode<SetupState>(json::parse(R"({"has_users":"no"})")).is_ok());
  EXPECT_FALSE(decode<SignInResult>(json::parse(R"({"throttled":true})")).is_ok()) << "throttled says for how long";
  EXPECT_FALSE(decode<Done>(json::parse("[]")).is_ok());
}

TEST(AuthMessages, EveryBroadcastSurvivesTheWireUnderItsName) {
  const std::vector<AuthEvent> events = {event::Hello{1700000000000}, event::ApiKeyRevoked{"0123456789abcdef", "ab12"},
                                         event::UserDeleted{4},         event::UserChanged{5},
                                         event::SessionEnded{"cd34"},   event::SigningKeyRotated{"k9"}};
  std::set<size_t> kinds;
  for (const AuthEvent& sent : events) {
    kinds.insert(sent.index());
    const json wire = json::parse(serialize(encode(sent)));
    auto heard = decode_event(wire);
    ASSERT_TRUE(heard.is_ok()) << wire.dump() << ": " << heard.status().to_string();
    EXPECT_TRUE(*heard == sent) << wire.dump();
  }
  EXPECT_EQ(kinds.size(), std::variant_size_v<AuthEvent>) << "a sample of every kind";
  EXPECT_EQ(encode(AuthEvent{event::ApiKeyRevoked{"id", "hash"}}),
            json::parse(R"({"event":"api_key_revoked","key_id":"id","key_hash":"hash"})"));
  EXPECT_EQ(encode(AuthEvent{event::Hello{7}}), json::parse(R"({"event":"hello","instance_started_ms":7})"));
  EXPECT_EQ(decode_event(json::parse(R"({"event":"party"})")).status().to_string(), "invalid_argument: unknown auth event 'party'");
  EXPECT_FALSE(decode_event(json::parse(R"({"event":"user_deleted","user_id":"4"})")).is_ok());
  EXPECT_FALSE(decode_event(json::parse(R"({"kid":"k9"})")).is_ok());
}

TEST(AuthMessages, AUserIdAsTypedIsOneToEighteenDigits) {
  EXPECT_EQ(user_id_from_text("12"), 12);
  EXPECT_EQ(user_id_from_text("0"), 0);
  EXPECT_EQ(user_id_from_text("999999999999999999"), 999999999999999999);
  EXPECT_EQ(user_id_from_text("1000000000000000000"), std::nullopt) << "19 digits";
  for (std::string_view bad : {"", "-1", "1a", " 1", "+1", "0x1"}) EXPECT_EQ(user_id_from_text(bad), std::nullopt) << bad;
}

}  // namespace
}  // namespace spanline::auth
