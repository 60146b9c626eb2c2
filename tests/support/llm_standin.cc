#include "tests/support/llm_standin.h"

#include <cstdlib>
#include <stdexcept>

#include "tests/support/http_client.h"

namespace spanline::testing {
namespace {

using api::playground::ProviderKind;

constexpr const char* kScript = SPANLINE_SOURCE_DIR "/tests/support/llm_provider_standin.py";

// The script's flag and default key for each kind, in ProviderKind order.
struct KindFacts {
  std::string_view name;
  std::string_view key_flag;
  std::string_view default_key;
  std::string_view path;  // appended to http://127.0.0.1:PORT for the base URL
};
constexpr KindFacts kKinds[] = {
    {"openai", "--openai-key", "sk-standin-openai", "/openai/v1"},
    {"anthropic", "--anthropic-key", "sk-ant-standin", "/anthropic"},
    {"gemini", "--gemini-key", "standin-gemini-key", "/gemini"},
};

// The port of the `listening <port>` line the script prints first; 0 before it is there.
int listening_port(const std::string& log) {
  constexpr std::string_view kPrefix = "listening ";
  for (size_t at = 0; at < log.size();) {
    size_t end = log.find('\n', at);
    if (end == std::string::npos) return 0;  // a line still being written
    std::string_view line(log.data() + at, end - at);
    if (line.starts_with(kPrefix)) return std::atoi(std::string(line.substr(kPrefix.size())).c_str());
    at = end + 1;
  }
  return 0;
}

size_t index_of(ProviderKind kind) { return static_cast<size_t>(kind); }

size_t index_of(std::string_view name) {
  for (size_t i = 0; i < std::size(kKinds); ++i) {
    if (kKinds[i].name == name) return i;
  }
  throw std::invalid_argument("the LLM stand-in has no provider named " + std::string(name));
}

}  // namespace

LlmStandin::LlmStandin(const std::string& log_dir, std::vector<std::string> extra_args) {
  for (size_t i = 0; i < std::size(kKinds); ++i) {
    keys_[i] = std::string(kKinds[i].default_key);
    for (size_t a = 0; a + 1 < extra_args.size(); ++a) {
      if (extra_args[a] == kKinds[i].key_flag) keys_[i] = extra_args[a + 1];
    }
  }
  // Unbuffered (-u) so `listening` reaches the log at once; Process execs without a PATH search.
  std::vector<std::string> args = {"python3", "-u", kScript, "--port", "0"};
  args.insert(args.end(), extra_args.begin(), extra_args.end());
  process_ = std::make_unique<Process>("/usr/bin/env", args, log_dir + "/llm-standin.log");
  process_->start();
  bool up = wait_until([&] {
    port_ = listening_port(process_->log());
    return port_ > 0;
  });
  if (!up) throw std::runtime_error("the LLM provider stand-in did not start:\n" + process_->log());
}

LlmStandin::~LlmStandin() { process_->stop(std::chrono::seconds(5)); }

std::string LlmStandin::base_url(ProviderKind kind) const { return base_url(kKinds[index_of(kind)].name); }

std::string LlmStandin::base_url(std::string_view kind_name) const {
  return "http://127.0.0.1:" + std::to_string(port_) + std::string(kKinds[index_of(kind_name)].path);
}

std::string LlmStandin::key(ProviderKind kind) const { return keys_[index_of(kind)]; }

std::string LlmStandin::key(std::string_view kind_name) const { return keys_[index_of(kind_name)]; }

nlohmann::json LlmStandin::requests() const {
  HttpResponse response = http_get(port_, "/_standin/requests");
  if (response.status != 200) throw std::runtime_error("the LLM stand-in's request log answered " +
                                                       std::to_string(response.status));
  return nlohmann::json::parse(response.body);
}

void LlmStandin::clear() const { http_request(port_, "DELETE", "/_standin/requests"); }

}  // namespace spanline::testing
