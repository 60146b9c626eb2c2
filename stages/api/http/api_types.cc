#include "stages/api/http/api_types.h"

#include "base/log.h"

namespace spanline::api {

namespace {

// Bus endpoints name socket paths in the data folder and hosts inside the deployment.
bool names_internals(const std::string& message) {
  return message.find("ipc://") != std::string::npos || message.find("tcp://") != std::string::npos ||
         message.find("inproc://") != std::string::npos;
}

std::string generic_message(int status) {
  if (status == 401) return "not signed in, or the credentials could not be checked; sign in again";
  if (status == 503 || status == 504) return "a Spanline stage did not answer in time; retry shortly";
  if (status >= 500) return "internal error";
  return "the request could not be served";
}

}  // namespace

ApiReply error_reply(int status, std::string_view code, const std::string& message) {
  ApiReply reply;
  reply.status = status;
  std::string shown = message;
  if (names_internals(message)) {
    log::warn("request failed", {{"status", status}, {"code", code}, {"error", message}});
    shown = generic_message(status);
  }
  reply.body = json{{"error", {{"code", code}, {"message", shown}}}}.dump(-1, ' ', false, json::error_handler_t::replace);
  return reply;
}

ApiReply error_reply(const Status& status) {
  switch (status.code()) {
    case Code::invalid_argument: return error_reply(400, "invalid_argument", status.message());
    case Code::not_found: return error_reply(404, "not_found", status.message());
    case Code::unauthenticated: return error_reply(401, "unauthenticated", status.message());
    case Code::permission_denied: return error_reply(403, "permission_denied", status.message());
    case Code::already_exists: return error_reply(409, "already_exists", status.message());
    case Code::failed_precondition: return error_reply(409, "failed_precondition", status.message());
    case Code::resource_exhausted: return error_reply(503, "unavailable", status.message());
    case Code::unavailable:
    case Code::deadline_exceeded: return error_reply(503, "unavailable", status.message());
    default: return error_reply(500, "internal", "internal error");
  }
}

ApiReply json_reply(const json& body, int status) {
  ApiReply reply;
  reply.status = status;
  reply.body = body.dump(-1, ' ', false, json::error_handler_t::replace);
  return reply;
}

ApiReply no_content_reply() {
  ApiReply reply;
  reply.status = 204;
  reply.content_type.clear();
  return reply;
}

ApiReply method_not_allowed(const ApiRequest& request, const std::string& allowed) {
  ApiReply reply = error_reply(405, "method_not_allowed", request.method + " is not allowed on " + request.path + "; use " + allowed);
  reply.allow = allowed + ", OPTIONS";
  return reply;
}

}  // namespace spanline::api
