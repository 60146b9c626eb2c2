#pragma once
// The LLM provider stand-in (tests/support/llm_provider_standin.py) for C++
// tests: one local HTTP server speaking OpenAI chat completions, Anthropic
// Messages and Gemini generateContent as documented, with deterministic answers
// and scenario models (standin-missing, standin-rate-limited, standin-stall, ...;
// the script's --help lists them). Started on a free port, stopped (SIGTERM) when
// destroyed. The machines running the tests reach no real provider.

#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

#include "stages/api/playground/providers/provider_protocol.h"
#include "tests/support/process.h"

namespace spanline::testing {

class LlmStandin {
 public:
  // Writes its log to `log_dir`/llm-standin.log; `extra_args` go to the script
  // (e.g. {"--stall-seconds", "5"} or {"--openai-key", ""}). Starts it and waits
  // for `listening <port>`; throws when it does not come up within 15 s.
  explicit LlmStandin(const std::string& log_dir, std::vector<std::string> extra_args = {});
  ~LlmStandin();
  LlmStandin(const LlmStandin&) = delete;
  LlmStandin& operator=(const LlmStandin&) = delete;

  int port() const { return port_; }
  // The base URL a provider of that kind is configured with ("openai", "anthropic", "gemini").
  std::string base_url(api::playground::ProviderKind kind) const;
  std::string base_url(std::string_view kind_name) const;
  // The key the stand-in accepts for that kind (its defaults unless extra_args changed them).
  std::string key(api::playground::ProviderKind kind) const;
  std::string key(std::string_view kind_name) const;

  // Every request received so far (GET /_standin/requests): a JSON array of
  // {provider, method, path, query, headers, body, status, client_disconnected}.
  nlohmann::json requests() const;
  void clear() const;  // DELETE /_standin/requests

  Process& process() const { return *process_; }

 private:
  std::unique_ptr<Process> process_;
  int port_ = 0;
  std::string keys_[3];
};

}  // namespace spanline::testing
