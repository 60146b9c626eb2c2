#include "tests/support/junjo_fixture.h"

#include <ctime>
#include <fstream>
#include <stdexcept>

#include "base/hex.h"

namespace spanline::testing {
namespace {

using opentelemetry::proto::common::v1::AnyValue;

void set_value(const nlohmann::json& value, AnyValue& out) {
  if (value.is_string()) out.set_string_value(value.get<std::string>());
  else if (value.is_boolean()) out.set_bool_value(value.get<bool>());
  else if (value.is_number_integer()) out.set_int_value(value.get<int64_t>());
  else if (value.is_number_float()) out.set_double_value(value.get<double>());
  else if (value.is_array()) {
    for (const auto& item : value) set_value(item, *out.mutable_array_value()->add_values());
  } else if (value.is_object()) {
    for (const auto& [key, item] : value.items()) {
      auto* kv = out.mutable_kvlist_value()->add_values();
      kv->set_key(key);
      set_value(item, *kv->mutable_value());
    }
  }
}

template <typename Target>
void set_attributes(const nlohmann::json& object, Target* target) {
  if (!object.is_object()) return;
  for (const auto& [key, value] : object.items()) {
    if (value.is_null()) continue;
    auto* kv = target->add_attributes();
    kv->set_key(key);
    set_value(value, *kv->mutable_value());
  }
}

std::string bytes_of(const nlohmann::json& hex) {
  if (!hex.is_string()) return {};
  auto bytes = from_hex(hex.get<std::string>());
  if (!bytes) throw std::runtime_error("fixture id is not hex");
  return *bytes;
}

int kind_of(const std::string& kind) {
  if (kind == "INTERNAL") return 1;
  if (kind == "SERVER") return 2;
  if (kind == "CLIENT") return 3;
  if (kind == "PRODUCER") return 4;
  if (kind == "CONSUMER") return 5;
  return 0;
}

}  // namespace

nlohmann::json load_json_file(const std::string& path) {
  std::ifstream in(path);
  if (!in) throw std::runtime_error("cannot read " + path);
  return nlohmann::json::parse(in);
}

std::string junjo_fixture_path(const std::string& name) {
  return std::string(SPANLINE_SHARED_DIR) + "/fixtures/junjo/" + name + ".json";
}

int64_t parse_time_nanos(const std::string& text) {
  if (!text.empty() && text.find_first_not_of("0123456789") == std::string::npos) return std::stoll(text);
  std::tm parts{};
  const char* rest = strptime(text.c_str(), "%Y-%m-%dT%H:%M:%S", &parts);
  if (rest == nullptr) throw std::runtime_error("unparseable time " + text);
  int64_t nanos = static_cast<int64_t>(timegm(&parts)) * 1'000'000'000;
  if (*rest == '.') {
    ++rest;
    int64_t scale = 100'000'000;
    while (*rest >= '0' && *rest <= '9') {
      nanos += (*rest - '0') * scale;
      scale /= 10;
      ++rest;
    }
  }
  if (*rest == '+' || *rest == '-') {
    int sign = *rest == '+' ? 1 : -1;
    int hours = std::atoi(std::string(rest + 1, 2).c_str()), minutes = std::atoi(std::string(rest + 4, 2).c_str());
    nanos -= sign * (static_cast<int64_t>(hours) * 3600 + minutes * 60) * 1'000'000'000;
  }
  return nanos;
}

opentelemetry::proto::collector::trace::v1::ExportTraceServiceRequest junjo_fixture_request(const nlohmann::json& fixture) {
  opentelemetry::proto::collector::trace::v1::ExportTraceServiceRequest request;
  auto* resource_spans = request.add_resource_spans();
  const auto& spans = fixture.at("spans");
  if (!spans.empty()) set_attributes(spans[0].value("resource_attributes_json", nlohmann::json::object()), resource_spans->mutable_resource());
  auto* scope = resource_spans->add_scope_spans();
  scope->mutable_scope()->set_name("junjo");
  for (const auto& s : spans) {
    auto* span = scope->add_spans();
    span->set_trace_id(bytes_of(s.at("trace_id")));
    span->set_span_id(bytes_of(s.at("span_id")));
    span->set_parent_span_id(bytes_of(s.value("parent_span_id", nlohmann::json())));
    span->set_name(s.at("name").get<std::string>());
    span->set_kind(static_cast<opentelemetry::proto::trace::v1::Span::SpanKind>(kind_of(s.value("kind", ""))));
    span->set_start_time_unix_nano(static_cast<uint64_t>(parse_time_nanos(s.at("start_time").get<std::string>())));
    span->set_end_time_unix_nano(static_cast<uint64_t>(parse_time_nanos(s.at("end_time").get<std::string>())));
    std::string code = s.value("status_code", "0");
    span->mutable_status()->set_code(static_cast<opentelemetry::proto::trace::v1::Status::StatusCode>(std::stoi(code)));
    span->mutable_status()->set_message(s.value("status_message", ""));
    set_attributes(s.value("attributes_json", nlohmann::json::object()), span);
    for (const auto& e : s.value("events_json", nlohmann::json::array())) {
      auto* event = span->add_events();
      event->set_name(e.at("name").get<std::string>());
      event->set_time_unix_nano(static_cast<uint64_t>(parse_time_nanos(e.at("timeUnixNano").get<std::string>())));
      set_attributes(e.value("attributes", nlohmann::json::object()), event);
    }
  }
  return request;
}

}  // namespace spanline::testing
