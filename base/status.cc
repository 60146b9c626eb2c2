#include "base/status.h"

namespace spanline {

std::string_view code_name(Code code) {
  switch (code) {
    case Code::ok: return "ok";
    case Code::cancelled: return "cancelled";
    case Code::invalid_argument: return "invalid_argument";
    case Code::deadline_exceeded: return "deadline_exceeded";
    case Code::not_found: return "not_found";
    case Code::already_exists: return "already_exists";
    case Code::permission_denied: return "permission_denied";
    case Code::resource_exhausted: return "resource_exhausted";
    case Code::failed_precondition: return "failed_precondition";
    case Code::internal: return "internal";
    case Code::unavailable: return "unavailable";
    case Code::unauthenticated: return "unauthenticated";
  }
  return "unknown";
}

std::string Status::to_string() const {
  if (is_ok()) return "ok";
  std::string out(code_name(code_));
  out += ": ";
  out += message_;
  return out;
}

}  // namespace spanline
