#include "stages/api/routes/resolve_routes.h"

#include "stages/api/routes/route_support.h"

namespace spanline::api {

namespace wire = protocol::query;

namespace {

// "the workflow run with runtime id 'r-1' of service 'greeter'"
std::string described(const ExecutableLink& link) {
  return std::string(wire::name_of(link.type)) + " run with runtime id '" + link.runtime_id + "' of service '" + link.service + "'";
}

json link_json(const ExecutableLink& link, std::string_view state) {
  return {{"state", state},
          {"service_name", link.service},
          {"executable_type", wire::name_of(link.type)},
          {"runtime_id", link.runtime_id}};
}

Result<std::string> required_text(const QueryParams& params, const std::string& name) {
  auto value = params.text(name, 1, 512);
  if (!value) return value.status();
  if (!*value) return Status(Code::invalid_argument, "parameter '" + name + "': required");
  return **value;
}

}  // namespace

std::string run_page_path(const wire::ExecutableMatch& run) {
  if (wire::executable_type_of_span_type(run.span_type) == wire::ExecutableType::agent) {
    return "/agents/" + run.trace_id + "/" + run.span_id;
  }
  return "/workflows/" + run.trace_id + "/" + run.span_id;
}

ApiReply resolve_reply(const ExecutableLink& link, const Answer<std::vector<wire::ExecutableMatch>>& found) {
  if (!found.ok()) return failure_reply(found);
  // The oldest run of the type asked for; else the first of another type, which makes the link wrong at once.
  const wire::ExecutableMatch* other = nullptr;
  for (const wire::ExecutableMatch& run : found.value) {
    auto type = wire::executable_type_of_span_type(run.span_type);
    if (type == link.type) {
      json body = link_json(link, "found");
      body.update({{"trace_id", run.trace_id}, {"span_id", run.span_id}, {"span_type", run.span_type}, {"name", run.name},
                   {"start_ns", run.start_ns}, {"path", run_page_path(run)}});
      return json_reply(mark_completeness(body, found.missing));
    }
    if (type && other == nullptr) other = &run;
  }
  if (other != nullptr) {
    const std::string other_type(wire::name_of(*wire::executable_type_of_span_type(other->span_type)));
    return error_reply(404, "not_found", "no " + described(link) + ": that runtime id names the " + other_type + " run '" +
                                             other->name + "' (executable_type=" + other_type + ")");
  }
  if (link.waited_ms < kResolveWaitBoundMs) {
    json body = link_json(link, "not_yet_seen");
    body.update({{"message", "no " + described(link) + " has arrived yet"},
                 {"waited_ms", link.waited_ms},
                 {"gives_up_after_ms", kResolveWaitBoundMs}});
    ApiReply reply = json_reply(mark_completeness(body, found.missing), 202);
    reply.retry_after = std::to_string(kResolveRetryAfterSeconds);
    return reply;
  }
  const std::string waited = "within " + std::to_string(kResolveWaitBoundMs / 1000) + " s";
  if (!found.missing.empty()) {
    return failure_reply(Status(Code::unavailable, "no " + described(link) + " arrived " + waited +
                                                       " in the partitions that answered, and some did not answer"),
                         found.missing);
  }
  return error_reply(404, "not_found",
                     "no " + described(link) + " arrived " + waited +
                         ": check the link's service_name and runtime_id (Junjo's junjo.executable_runtime_id)");
}

ApiReply ResolveRoutes::executable(const ApiRequest& request) {
  QueryParams params(request.query);
  if (Status s = params.only({"service_name", "executable_type", "runtime_id", "service_namespace", "waited_ms"}); !s.is_ok()) {
    return error_reply(s);
  }
  auto service = required_text(params, "service_name");
  auto runtime_id = required_text(params, "runtime_id");
  auto type_name = required_text(params, "executable_type");
  auto namespace_ignored = params.text("service_namespace", 0, 512);
  auto waited = params.integer("waited_ms", 0, int64_t{24} * 3600 * 1000);
  for (const Status& s : {service.status(), runtime_id.status(), type_name.status(), namespace_ignored.status(), waited.status()}) {
    if (!s.is_ok()) return error_reply(s);
  }
  auto type = wire::executable_type_named(*type_name);
  if (!type) return error_reply(400, "invalid_argument", "parameter 'executable_type': " + std::string(wire::kExecutableTypeNames));
  ExecutableLink link{*service, *runtime_id, *type, waited->value_or(0)};
  return resolve_reply(link, service_.executables(wire::ExecutableQuery{link.service, link.runtime_id}));
}

}  // namespace spanline::api
