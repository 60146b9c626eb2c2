#include "stages/indexer/llm/messages.h"

#include <algorithm>
#include <vector>

#include "base/json_depth.h"

namespace spanline::indexer::llm {
namespace {

// As deep as the indexer lets a stored value nest (shard_queries' kMaxNesting):
// deeper JSON text stays text, so nothing downstream recurses past it.
constexpr int kMaxNesting = 128;

// A message's content: parsed only when it is JSON text of an array of parts.
json parsed_content(const json& value) {
  json result = parsed(value);
  return result.is_array() ? result : value;
}

json text_part(const json& content) { return {{"type", "text"}, {"content", text_of(content)}}; }

// A tool definition from any of the shapes sent: {name, description,
// parameters}, OpenAI's {type: function, function: {...}}, Anthropic's
// input_schema.
json tool_definition(const json& sent) {
  const json& body = sent.is_object() && sent.contains("function") && sent["function"].is_object() ? sent["function"] : sent;
  if (!body.is_object()) return nullptr;
  json tool = json::object();
  tool["name"] = body.contains("name") ? text_of(body["name"]) : std::string();
  if (body.contains("description")) tool["description"] = text_of(body["description"]);
  if (body.contains("parameters")) tool["parameters"] = parsed(body["parameters"]);
  else if (body.contains("input_schema")) tool["parameters"] = parsed(body["input_schema"]);
  return tool;
}

// One GenAI part as sent, its tool-call arguments parsed and a tool result
// under `response` (the conventions have named it `result` and `response`).
json genai_part(const json& sent) {
  if (!sent.is_object()) return text_part(sent);
  json part = sent;
  if (!part.contains("type")) part["type"] = "text";
  if (part.contains("arguments")) part["arguments"] = parsed(part["arguments"]);
  if (part.contains("result") && !part.contains("response")) {
    part["response"] = parsed(part["result"]);
    part.erase("result");
  } else if (part.contains("response")) {
    part["response"] = parsed(part["response"]);
  }
  return part;
}

json tool_call_part(const json* id, const json* name, const json* arguments) {
  json part = {{"type", "tool_call"}, {"name", name ? text_of(*name) : std::string()}};
  if (id && !id->is_null()) part["id"] = text_of(*id);
  part["arguments"] = arguments ? parsed(*arguments) : json(nullptr);
  return part;
}

json tool_response_part(const json* id, const json& response) {
  json part = {{"type", "tool_call_response"}};
  if (id && !id->is_null()) part["id"] = text_of(*id);
  part["response"] = parsed(response);
  return part;
}

// A chat-completions message content: a text, or an array of {type: text, text} parts.
void add_content_parts(json& parts, const json& content) {
  if (content.is_null()) return;
  if (content.is_array()) {
    for (const json& item : content) {
      if (item.is_object() && item.contains("text")) parts.push_back(text_part(item["text"]));
      else if (item.is_object()) parts.push_back(genai_part(item));
      else parts.push_back(text_part(item));
    }
    return;
  }
  if (text_of(content).empty()) return;
  parts.push_back(text_part(content));
}

json chat_message(const json& sent, std::string_view default_role) {
  json message = {{"role", std::string(default_role)}, {"parts", json::array()}};
  if (!sent.is_object()) {
    add_content_parts(message["parts"], sent);
    return message;
  }
  if (sent.contains("role")) message["role"] = text_of(sent["role"]);
  if (sent.contains("name")) message["name"] = text_of(sent["name"]);
  json& parts = message["parts"];
  const json content = sent.contains("content") ? parsed_content(sent["content"]) : json(nullptr);
  if (message["role"] == "tool") {
    const json* id = sent.contains("tool_call_id") ? &sent["tool_call_id"] : sent.contains("id") ? &sent["id"] : nullptr;
    parts.push_back(tool_response_part(id, content));
  } else {
    add_content_parts(parts, content);
  }
  if (sent.contains("tool_calls")) {
    const json calls = parsed(sent["tool_calls"]);
    if (calls.is_array()) {
      for (const json& call : calls) {
        if (!call.is_object()) continue;
        const json& function = call.contains("function") && call["function"].is_object() ? call["function"] : call;
        parts.push_back(tool_call_part(call.contains("id") ? &call["id"] : nullptr, function.contains("name") ? &function["name"] : nullptr,
                                       function.contains("arguments") ? &function["arguments"] : nullptr));
      }
    }
  }
  if (sent.contains("finish_reason") && !sent["finish_reason"].is_null()) message["finish_reason"] = text_of(sent["finish_reason"]);
  return message;
}

}  // namespace

std::string text_of(const json& value) {
  if (value.is_string()) return value.get<std::string>();
  return value.dump(-1, ' ', false, json::error_handler_t::replace);
}

json parsed(const json& value) {
  if (!value.is_string()) return value;
  const std::string& text = value.get_ref<const std::string&>();
  const size_t first = text.find_first_not_of(" \t\r\n");
  if (first == std::string::npos || (text[first] != '{' && text[first] != '[')) return value;
  if (json_nests_deeper_than(text, kMaxNesting)) return value;
  json result = json::parse(text, nullptr, false);
  return result.is_discarded() ? value : result;
}

json genai_messages(const json& value) {
  const json sent = parsed(value);
  json messages = json::array();
  if (!sent.is_array()) return messages;
  for (const json& item : sent) {
    if (!item.is_object()) continue;
    json message = {{"role", item.contains("role") ? text_of(item["role"]) : std::string()}, {"parts", json::array()}};
    if (item.contains("name")) message["name"] = text_of(item["name"]);
    if (item.contains("parts") && item["parts"].is_array()) {
      for (const json& part : item["parts"]) message["parts"].push_back(genai_part(part));
    }
    if (item.contains("finish_reason") && !item["finish_reason"].is_null()) message["finish_reason"] = text_of(item["finish_reason"]);
    messages.push_back(std::move(message));
  }
  return messages;
}

json genai_parts(const json& value) {
  const json sent = parsed(value);
  json parts = json::array();
  if (sent.is_array()) {
    for (const json& part : sent) parts.push_back(genai_part(part));
  } else if (!sent.is_null() && !text_of(sent).empty()) {
    parts.push_back(text_part(sent));
  }
  return parts;
}

json chat_messages(const json& value, std::string_view default_role) {
  const json sent = parsed(value);
  json messages = json::array();
  if (sent.is_array()) {
    for (const json& item : sent) messages.push_back(chat_message(item, default_role));
  } else if (sent.is_object()) {
    messages.push_back(chat_message(sent, default_role));
  } else if (!sent.is_null() && !text_of(sent).empty()) {
    messages.push_back(chat_message(sent, default_role));
  }
  return messages;
}

json event_messages(const json& events, bool output) {
  struct Indexed {
    int64_t index;
    json message;
  };
  std::vector<Indexed> found;
  if (!events.is_array()) return json::array();
  for (const json& event : events) {
    if (!event.is_object() || !event.contains("name") || !event["name"].is_string()) continue;
    const std::string& name = event["name"].get_ref<const std::string&>();
    std::string role;
    if (output != (name == "gen_ai.choice")) continue;
    if (!output) {
      if (name == "gen_ai.system.message") role = "system";
      else if (name == "gen_ai.user.message") role = "user";
      else if (name == "gen_ai.assistant.message") role = "assistant";
      else if (name == "gen_ai.tool.message") role = "tool";
      else continue;
    }
    const json attributes = event.contains("attributes") && event["attributes"].is_object() ? event["attributes"] : json::object();
    // The body: one JSON text (gen_ai.event.content), or its fields as attributes.
    json body = attributes.contains("gen_ai.event.content") ? parsed(attributes["gen_ai.event.content"]) : attributes;
    if (!body.is_object()) body = {{"content", body}};
    int64_t index = static_cast<int64_t>(found.size());
    if (output) {
      if (body.contains("index") && body["index"].is_number_integer()) index = body["index"].get<int64_t>();
      json message = body.contains("message") ? parsed(body["message"]) : json::object();
      if (!message.is_object()) message = {{"content", message}};
      if (body.contains("finish_reason")) message["finish_reason"] = body["finish_reason"];
      found.push_back({index, chat_message(message, "assistant")});
    } else {
      if (!body.contains("role")) body["role"] = role;
      found.push_back({index, chat_message(body, role)});
    }
  }
  std::stable_sort(found.begin(), found.end(), [](const Indexed& a, const Indexed& b) { return a.index < b.index; });
  json messages = json::array();
  for (Indexed& item : found) messages.push_back(std::move(item.message));
  return messages;
}

json flat_messages(const std::map<int64_t, FlatMessage>& flat) {
  json messages = json::array();
  for (const auto& [index, sent] : flat) {
    json message = {{"role", sent.role ? text_of(*sent.role) : std::string()}, {"parts", json::array()}};
    if (sent.name) message["name"] = text_of(*sent.name);
    json& parts = message["parts"];
    if (message["role"] == "tool") {
      parts.push_back(tool_response_part(sent.tool_call_id, sent.content ? *sent.content : json(nullptr)));
    } else {
      if (sent.content) add_content_parts(parts, parsed_content(*sent.content));
      for (const auto& [j, content] : sent.contents) {
        const std::string type = content.type ? text_of(*content.type) : "text";
        if (content.image_url) parts.push_back({{"type", "uri"}, {"modality", "image"}, {"uri", text_of(*content.image_url)}});
        else if (content.text) parts.push_back({{"type", type == "image" ? std::string("text") : type}, {"content", text_of(*content.text)}});
      }
    }
    for (const auto& [k, call] : sent.tool_calls) parts.push_back(tool_call_part(call.id, call.name, call.arguments));
    if (sent.finish_reason) message["finish_reason"] = text_of(*sent.finish_reason);
    messages.push_back(std::move(message));
  }
  return messages;
}

json genai_tool_definitions(const json& value) {
  const json sent = parsed(value);
  json tools = json::array();
  if (!sent.is_array()) return tools;
  for (const json& item : sent) {
    json tool = tool_definition(item);
    if (!tool.is_null()) tools.push_back(std::move(tool));
  }
  return tools;
}

json flat_tool_definitions(const std::map<int64_t, FlatTool>& flat) {
  json tools = json::array();
  for (const auto& [index, sent] : flat) {
    json tool;
    if (sent.json_schema) {
      tool = tool_definition(parsed(*sent.json_schema));
    } else {
      tool = {{"name", sent.name ? text_of(*sent.name) : std::string()}};
      if (sent.description) tool["description"] = text_of(*sent.description);
      if (sent.parameters) tool["parameters"] = parsed(*sent.parameters);
    }
    if (!tool.is_null()) tools.push_back(std::move(tool));
  }
  return tools;
}

json take_system_parts(json& messages) {
  json parts = json::array();
  json kept = json::array();
  for (json& message : messages) {
    if (message.value("role", std::string()) == "system") {
      for (json& part : message["parts"]) parts.push_back(std::move(part));
    } else {
      kept.push_back(std::move(message));
    }
  }
  messages = std::move(kept);
  return parts;
}

}  // namespace spanline::indexer::llm
