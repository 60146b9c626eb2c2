#pragma once
// The single seam where every Export is checked for credentials, whichever front
// end it came through. Today it lets everything in; the auth issue replaces the
// body with API-key and JWT checks against the auth-responder.

#include <functional>
#include <optional>
#include <string>
#include <string_view>

#include "base/status.h"

namespace spanline::gateway {

// What the front end knows about one request, in a protocol-neutral form.
struct RequestContext {
  // Looks up a request header / gRPC metadata key (lower-case name).
  std::function<std::optional<std::string>(std::string_view)> header;
  std::string peer;
  // Set by Ingest::check_credentials once the credentials passed, so that a
  // front end that checks them before touching the body is not checked twice.
  bool credentials_checked = false;
};

class Authenticator {
 public:
  virtual ~Authenticator() = default;
  virtual Status check(const RequestContext& context) = 0;
  // check() when it can answer from what is already known (no credentials, a
  // cached key), without waiting for anyone; nothing when it would have to
  // wait. A front end may call it on a thread that must not block, and save a
  // hand-off to one that may.
  virtual std::optional<Status> check_without_waiting(const RequestContext&) { return std::nullopt; }
};

class AllowAllAuthenticator final : public Authenticator {
 public:
  Status check(const RequestContext&) override { return Status::ok(); }
  std::optional<Status> check_without_waiting(const RequestContext&) override { return Status::ok(); }
};

}  // namespace spanline::gateway
