#pragma once
// The one seam where every /api/v1/* request is checked before its route runs.
// Until the auth-responder exists every request passes; the auth issue puts
// session and API-key checks here.

#include "stages/api/http/api_types.h"
#include "base/status.h"

namespace spanline::api {

class RequestGuard {
 public:
  virtual ~RequestGuard() = default;
  // ok, or unauthenticated / permission_denied with the reason.
  virtual Status check(const ApiRequest& request) = 0;
};

class OpenGuard final : public RequestGuard {
 public:
  Status check(const ApiRequest&) override { return Status::ok(); }
};

}  // namespace spanline::api
