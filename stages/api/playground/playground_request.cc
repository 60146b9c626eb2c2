#include "stages/api/playground/playground_request.h"

#include <cctype>
#include <cmath>
#include <limits>

#include "base/json_depth.h"
#include "protocol/auth/auth_messages.h"

namespace spanline::api::playground {
namespace {

using json = nlohmann::json;

Status refuse(const std::string& field, const std::string& why) {
  return Status(Code::invalid_argument, "field '" + field + "': " + why);
}

bool is_hex(std::string_view text, size_t digits) {
  if (text.size() != digits) return false;
  for (char c : text) {
    if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F'))) return false;
  }
  return text.find_first_not_of('0') != std::string_view::npos;  // OTLP: all-zero ids are invalid
}

// Reads an optional string member; a present non-string refuses.
Result<std::string> text_member(const json& object, const char* key, const std::string& field) {
  auto found = object.find(key);
  if (found == object.end() || found->is_null()) return std::string();
  if (!found->is_string()) return refuse(field, "a string");
  return found->get<std::string>();
}

// Tool arguments and results: a JSON value kept as JSON text; a string kept as it is.
std::string as_json_text(const json& value) { return value.is_string() ? value.get<std::string>() : value.dump(); }

Status only_known(const json& object, std::initializer_list<std::string_view> known, const std::string& where) {
  for (const auto& [key, value] : object.items()) {
    bool ok = false;
    for (std::string_view name : known) ok = ok || key == name;
    if (!ok) return refuse(where.empty() ? key : where + "." + key, "unknown field");
  }
  return Status::ok();
}

Result<ChatPart> read_part(const json& in, const std::string& field, const std::string& role) {
  if (!in.is_object()) return refuse(field, "an object (LlmPart)");
  auto type = text_member(in, "type", field + ".type");
  if (!type) return type.status();
  ChatPart part;
  if (*type == "text") {
    part.type = ChatPart::Type::text;
    auto content = text_member(in, "content", field + ".content");
    if (!content) return content.status();
    part.content = std::move(*content);
  } else if (*type == "tool_call") {
    if (role != "assistant") return refuse(field + ".type", "tool_call parts belong in assistant messages");
    part.type = ChatPart::Type::tool_call;
    auto id = text_member(in, "id", field + ".id");
    auto name = text_member(in, "name", field + ".name");
    if (!id) return id.status();
    if (!name) return name.status();
    if (name->empty()) return refuse(field + ".name", "the tool's name is required");
    part.id = std::move(*id);
    part.name = std::move(*name);
    auto arguments = in.find("arguments");
    if (arguments != in.end() && !arguments->is_null()) {
      part.arguments = as_json_text(*arguments);
      if (!arguments->is_object() && !(arguments->is_string() && json::accept(part.arguments))) {
        return refuse(field + ".arguments", "a JSON object (or its JSON text)");
      }
    } else {
      part.arguments = "{}";
    }
  } else if (*type == "tool_call_response") {
    if (role != "tool" && role != "user") return refuse(field + ".type", "tool_call_response parts belong in tool (or user) messages");
    part.type = ChatPart::Type::tool_call_response;
    auto id = text_member(in, "id", field + ".id");
    if (!id) return id.status();
    part.id = std::move(*id);
    auto response = in.find("response");
    if (response != in.end() && !response->is_null()) {
      part.content = as_json_text(*response);
    } else {
      auto content = text_member(in, "content", field + ".content");
      if (!content) return content.status();
      part.content = std::move(*content);
    }
  } else if (type->empty()) {
    return refuse(field + ".type", "required (text, tool_call or tool_call_response)");
  } else {
    return refuse(field + ".type", "'" + type->substr(0, 40) + "' is not a part the playground sends (text, tool_call, tool_call_response)");
  }
  return part;
}

Result<ChatMessage> read_message(const json& in, const std::string& field) {
  if (!in.is_object()) return refuse(field, "an object (LlmMessage)");
  auto role = text_member(in, "role", field + ".role");
  if (!role) return role.status();
  if (*role == "system") return refuse(field + ".role", "system instructions go in 'system', not in a message");
  if (*role != "user" && *role != "assistant" && *role != "tool") {
    return refuse(field + ".role", "user, assistant or tool");
  }
  auto parts = in.find("parts");
  if (parts == in.end() || !parts->is_array()) return refuse(field + ".parts", "an array of parts is required");
  if (parts->empty()) return refuse(field + ".parts", "at least one part");
  if (parts->size() > kMaxMessageParts) return refuse(field + ".parts", "at most " + std::to_string(kMaxMessageParts) + " parts");
  ChatMessage message;
  message.role = *role;
  for (size_t i = 0; i < parts->size(); ++i) {
    auto part = read_part((*parts)[i], field + ".parts[" + std::to_string(i) + "]", *role);
    if (!part) return part.status();
    message.parts.push_back(std::move(*part));
  }
  return message;
}

bool tool_name_ok(std::string_view name) {
  if (name.empty() || name.size() > 64) return false;
  for (char c : name) {
    if (!(std::isalnum(static_cast<unsigned char>(c)) || c == '_' || c == '-')) return false;
  }
  return true;
}

Result<ToolDefinition> read_tool(const json& in, const std::string& field) {
  if (!in.is_object()) return refuse(field, "an object (LlmToolDefinition)");
  auto name = text_member(in, "name", field + ".name");
  auto description = text_member(in, "description", field + ".description");
  if (!name) return name.status();
  if (!description) return description.status();
  if (!tool_name_ok(*name)) return refuse(field + ".name", "1 to 64 letters, digits, _ or - (what every provider accepts)");
  ToolDefinition tool{std::move(*name), std::move(*description), ""};
  auto parameters = in.find("parameters");
  if (parameters != in.end() && !parameters->is_null()) {
    if (!parameters->is_object()) return refuse(field + ".parameters", "a JSON Schema object");
    tool.parameters = parameters->dump();
  }
  return tool;
}

Result<double> number_in(const json& value, const std::string& field, double low, double high) {
  if (!value.is_number()) return refuse(field, "a number");
  double number = value.get<double>();
  if (!std::isfinite(number) || number < low || number > high) {
    auto shown = [](double bound) { return bound == std::floor(bound) ? std::to_string(static_cast<int64_t>(bound)) : json(bound).dump(); };
    return refuse(field, "between " + shown(low) + " and " + shown(high));
  }
  return number;
}

Status read_parameters(const json& in, ChatParameters& out) {
  if (!in.is_object()) return refuse("parameters", "an object");
  if (Status known = only_known(in, {"temperature", "top_p", "max_tokens", "seed", "stop", "response_format", "json_schema"}, "parameters");
      !known.is_ok()) {
    return known;
  }
  for (const auto& [key, value] : in.items()) {
    if (value.is_null()) continue;
    const std::string field = "parameters." + key;
    if (key == "temperature" || key == "top_p") {
      auto number = number_in(value, field, 0, key == "temperature" ? 2 : 1);
      if (!number) return number.status();
      (key == "temperature" ? out.temperature : out.top_p) = *number;
    } else if (key == "max_tokens") {
      if (!value.is_number_integer() || value.get<int64_t>() < 1 || value.get<int64_t>() > 1000000) {
        return refuse(field, "a whole number between 1 and 1000000");
      }
      out.max_tokens = value.get<int64_t>();
    } else if (key == "seed") {
      if (!value.is_number_integer()) return refuse(field, "a whole number");
      if (value.is_number_unsigned() && value.get<uint64_t>() > static_cast<uint64_t>(std::numeric_limits<int64_t>::max())) {
        return refuse(field, "a whole number that fits in 64 bits (signed)");
      }
      out.seed = value.get<int64_t>();
    } else if (key == "stop") {
      if (!value.is_array()) return refuse(field, "an array of strings");
      if (value.size() > kMaxStopSequences) return refuse(field, "at most " + std::to_string(kMaxStopSequences) + " sequences");
      for (const json& stop : value) {
        if (!stop.is_string() || stop.get<std::string>().empty()) return refuse(field, "non-empty strings");
        out.stop.push_back(stop.get<std::string>());
      }
    } else if (key == "response_format") {
      if (value == "text") out.response_format = ChatParameters::ResponseFormat::text;
      else if (value == "json_object") out.response_format = ChatParameters::ResponseFormat::json_object;
      else if (value == "json_schema") out.response_format = ChatParameters::ResponseFormat::json_schema;
      else return refuse(field, "text, json_object or json_schema");
    } else if (key == "json_schema") {
      if (!value.is_object()) return refuse(field, "a JSON Schema object");
      out.json_schema = value.dump();
    }
  }
  if (out.response_format == ChatParameters::ResponseFormat::json_schema && out.json_schema.empty()) {
    return refuse("parameters.json_schema", "required when response_format is json_schema");
  }
  return Status::ok();
}

bool model_ok(std::string_view model) {
  if (model.empty() || model.size() > kMaxModelBytes) return false;
  for (char c : model) {
    // Letters, digits and what model names use (gpt-4o-2024-08-06, llama3:8b, openai/gpt-4o, claude@v1): nothing that
    // would change the meaning of a URL the model is put in (Gemini's path), nor spaces or controls.
    if (!(std::isalnum(static_cast<unsigned char>(c)) || std::string_view("._:/@+-").find(c) != std::string_view::npos)) return false;
  }
  return model.find("..") == std::string_view::npos;
}

}  // namespace

Result<RunRequest> parse_run_request(std::string_view body) {
  // A parsed body is destroyed (and dumped) recursively, one stack frame per level: refuse a deep one unparsed.
  if (json_nests_deeper_than(body, kMaxBodyDepth)) {
    return Status(Code::invalid_argument, "the body nests deeper than " + std::to_string(kMaxBodyDepth) + " levels");
  }
  json in = json::parse(body, nullptr, false);
  if (in.is_discarded()) return Status(Code::invalid_argument, "the body is not JSON");
  if (!in.is_object()) return Status(Code::invalid_argument, "the body must be a JSON object");
  if (Status known = only_known(in, {"provider", "model", "system", "messages", "tools", "parameters", "stream", "source", "label"}, "");
      !known.is_ok()) {
    return known;
  }
  RunRequest run;
  auto provider = text_member(in, "provider", "provider");
  if (!provider) return provider.status();
  if (provider->empty() || provider->size() > auth::kProviderNameField.max_bytes ||
      provider->find_first_not_of(auth::kProviderNameCharacters) != std::string::npos) {
    return refuse("provider", "a provider's name: 1 to " + std::to_string(auth::kProviderNameField.max_bytes) + " of a-z, 0-9, '.', '_', '-'");
  }
  run.provider = std::move(*provider);
  auto model = text_member(in, "model", "model");
  if (!model) return model.status();
  if (!model_ok(*model)) {
    return refuse("model", "required: 1 to " + std::to_string(kMaxModelBytes) + " letters, digits or ._:/@+- (as the provider names it)");
  }
  run.chat.model = std::move(*model);
  auto system = text_member(in, "system", "system");
  if (!system) return system.status();
  run.chat.system = std::move(*system);

  auto messages = in.find("messages");
  if (messages == in.end() || !messages->is_array()) return refuse("messages", "an array of messages is required");
  if (messages->empty()) return refuse("messages", "at least one message");
  if (messages->size() > kMaxRunMessages) return refuse("messages", "at most " + std::to_string(kMaxRunMessages) + " messages");
  for (size_t i = 0; i < messages->size(); ++i) {
    auto message = read_message((*messages)[i], "messages[" + std::to_string(i) + "]");
    if (!message) return message.status();
    run.chat.messages.push_back(std::move(*message));
  }
  if (auto tools = in.find("tools"); tools != in.end() && !tools->is_null()) {
    if (!tools->is_array()) return refuse("tools", "an array of tool definitions");
    if (tools->size() > kMaxRunTools) return refuse("tools", "at most " + std::to_string(kMaxRunTools) + " tools");
    for (size_t i = 0; i < tools->size(); ++i) {
      auto tool = read_tool((*tools)[i], "tools[" + std::to_string(i) + "]");
      if (!tool) return tool.status();
      for (const ToolDefinition& earlier : run.chat.tools) {
        if (earlier.name == tool->name) return refuse("tools[" + std::to_string(i) + "].name", "'" + tool->name + "' is offered twice");
      }
      run.chat.tools.push_back(std::move(*tool));
    }
  }
  if (auto parameters = in.find("parameters"); parameters != in.end() && !parameters->is_null()) {
    if (Status read = read_parameters(*parameters, run.chat.parameters); !read.is_ok()) return read;
  }
  if (auto stream = in.find("stream"); stream != in.end() && !stream->is_null()) {
    if (!stream->is_boolean()) return refuse("stream", "true or false");
    run.chat.stream = stream->get<bool>();
  }
  if (auto source = in.find("source"); source != in.end() && !source->is_null()) {
    if (!source->is_object()) return refuse("source", "an object {trace_id, span_id}");
    auto trace_id = text_member(*source, "trace_id", "source.trace_id");
    auto span_id = text_member(*source, "span_id", "source.span_id");
    if (!trace_id) return trace_id.status();
    if (!span_id) return span_id.status();
    if (!is_hex(*trace_id, 32)) return refuse("source.trace_id", "32 hex digits, not all zero");
    if (!is_hex(*span_id, 16)) return refuse("source.span_id", "16 hex digits, not all zero");
    run.source = RunSource{std::move(*trace_id), std::move(*span_id)};
  }
  auto label = text_member(in, "label", "label");
  if (!label) return label.status();
  if (label->size() > kMaxLabelBytes) return refuse("label", "at most " + std::to_string(kMaxLabelBytes) + " bytes");
  run.label = std::move(*label);
  return run;
}

ProviderFailure redacted(ProviderFailure failure, std::string_view key) {
  if (key.empty()) return failure;
  for (size_t at = failure.message.find(key); at != std::string::npos; at = failure.message.find(key, at)) {
    failure.message.replace(at, key.size(), "<redacted>");
  }
  return failure;
}

json json_or_text(const std::string& text) {
  json parsed = json::parse(text, nullptr, false);
  return parsed.is_discarded() ? json(text) : parsed;
}

json usage_json(const ChatUsage& usage) {
  json out = json::object();
  auto put = [&](const char* key, const std::optional<int64_t>& value) {
    if (value) out[key] = *value;
  };
  put("input_tokens", usage.input_tokens);
  put("output_tokens", usage.output_tokens);
  put("total_tokens", usage.total_tokens);
  put("cache_read_tokens", usage.cache_read_tokens);
  put("cache_write_tokens", usage.cache_write_tokens);
  put("reasoning_tokens", usage.reasoning_tokens);
  return out;
}

namespace {

std::string line(const json& value) { return value.dump(-1, ' ', false, json::error_handler_t::replace); }

}  // namespace

std::string start_event_data(const RunOutcome& run) {
  return line({{"run_id", run.run_id}, {"trace_id", run.trace_id}, {"span_id", run.span_id}, {"provider", run.provider}, {"model", run.model}});
}

std::string text_event_data(std::string_view delta) { return line({{"delta", delta}}); }

std::string tool_call_event_data(const ChatPart& call) {
  return line({{"id", call.id}, {"name", call.name}, {"arguments", json_or_text(call.arguments)}});
}

std::string done_event_data(const RunOutcome& run) {
  json out{{"finish_reason", run.finish_reason},
           {"content_filtered", run.content_filtered},
           {"latency_ms", (run.end_ns - run.start_ns) / 1000000},
           {"time_to_first_token_ms", nullptr},
           {"usage", usage_json(run.usage)},
           {"cost", nullptr},
           {"trace_id", run.trace_id},
           {"span_id", run.span_id},
           {"response_model", run.response_model}};
  if (run.first_token_ns) out["time_to_first_token_ms"] = (*run.first_token_ns - run.start_ns) / 1000000;
  if (run.cost) {
    out["cost"] = {{"input", run.cost->input ? json(*run.cost->input) : json(nullptr)},
                   {"output", run.cost->output ? json(*run.cost->output) : json(nullptr)},
                   {"total", run.cost->total},
                   {"currency", run.cost->currency},
                   {"source", run.cost->source}};
  }
  return line(out);
}

std::string error_event_data(const RunOutcome& run) {
  const ProviderFailure failure = run.failure.value_or(ProviderFailure{});
  json out{{"code", failure_kind_name(failure.kind)}, {"message", failure.message}, {"trace_id", run.trace_id}, {"span_id", run.span_id}};
  if (failure.http_status) out["http_status"] = *failure.http_status;
  if (failure.retry_after_s) out["retry_after_s"] = *failure.retry_after_s;
  return line(out);
}

}  // namespace spanline::api::playground
