#pragma once
// The single seam where every Export is checked for credentials, whichever front
// end it came through. Today it lets everything in; the auth issue replaces the
// body with API-key and JWT checks against the auth-responder.

#include <functional>
#include <optional>
#include <string>
#include <string_view>

#include "stages/common/status.h"

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
  // True when check() would answer from what is already known (a cached key),
  // without waiting for anyone: a front end may then call it on a thread that
  // must not block, and save a hand-off.
  virtual bool answers_at_once(const RequestContext&) { return false; }
};

class AllowAllAuthenticator final : public Authenticator {
 public:
  Status check(const RequestContext&) override { return Status::ok(); }
  bool answers_at_once(const RequestContext&) override { return true; }
};

}  // namespace spanline::gateway
