#pragma once
// What the auth-responder does with each request on its bus endpoint (message
// `auth`, one JSON frame {"op": ..., ...}; the ops and their replies are listed
// in bus/README.md). One AuthService per worker thread, each with its own
// meta.sqlite connection; what the workers share (the sign-in throttle, the
// revocation publisher, counters) lives in AuthShared.

#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>

#include <nlohmann/json.hpp>
#include <zmq.hpp>

#include "bus/stats.h"
#include "bus/worker_router.h"
#include "stages/auth/auth_config.h"
#include "stages/auth/crypto/signing_key.h"
#include "stages/auth/responder/sign_in_throttle.h"
#include "stages/auth/store/meta_store.h"

namespace spanline::auth {

// Broadcasts revocations on the events PUB socket, so gateways and the api drop
// cached decisions at once. Workers call publish() from their own threads.
class EventPublisher {
 public:
  EventPublisher(bus::Context& context, const std::string& endpoint);
  void publish(const json& event);

 private:
  std::mutex mutex_;
  zmq::socket_t socket_;
};

struct AuthShared {
  const AuthConfig& config;
  SignInThrottle throttle;
  EventPublisher& events;
  std::atomic<uint64_t>& sign_ins;
  std::atomic<uint64_t>& sign_in_failures;
  std::atomic<uint64_t>& sign_ins_throttled;
  std::atomic<uint64_t>& key_checks;
  std::atomic<uint64_t>& key_rejections;
  std::atomic<uint64_t>& tokens_issued;
};

class AuthService {
 public:
  // Opens this thread's connection; throws at start-up if meta.sqlite cannot open.
  AuthService(AuthShared& shared, bus::WorkerRouter& router);

  bus::RouterAnswer handle(const bus::RouterJob& job);

  // Makes sure an active signing key exists (at start-up, before serving).
  Status ensure_signing_key();

 private:
  Result<json> dispatch(const std::string& op, const json& request);

  Result<json> check_api_key(const json& request);
  Result<json> issue_token(const json& request);
  Result<json> jwks();
  Result<json> rotate_signing_key();
  Result<json> setup_status();
  Result<json> create_first_user(const json& request);
  Result<json> sign_in(const json& request);
  Result<json> check_session(const json& request);
  Result<json> sign_out(const json& request);
  Result<json> list_users();
  Result<json> create_user(const json& request);
  Result<json> delete_user(const json& request);
  Result<json> list_api_keys();
  Result<json> create_api_key(const json& request);
  Result<json> delete_api_key(const json& request);

  Result<ApiKeyRecord> find_key(const json& request);
  Result<json> start_session(const User& user);
  Result<SigningKey> active_signing_key(bool may_rotate = true);
  // The parsed key of a stored record, parsed once per thread.
  Result<SigningKey> parsed_key(const SigningKeyRecord& record);
  // Replaces the active signing key and broadcasts it; with `only_if_older_than_ns`
  // set, does nothing (nullopt) when another thread already replaced it.
  Result<std::optional<std::string>> rotate(int64_t now, int64_t only_if_older_than_ns);

  AuthShared& shared_;
  bus::WorkerRouter& router_;
  std::unique_ptr<MetaStore> store_;
  std::map<std::string, SigningKey> parsed_keys_;  // kid -> key, so PEM is parsed once per thread
  std::string dummy_hash_;  // verified against when no such user, so timing does not tell
};

}  // namespace spanline::auth
