#include "stages/launcher/setup_token.h"

#include <cstdio>
#include <thread>

#include "base/clock.h"
#include "protocol/auth/auth_client.h"

namespace spanline::launcher {

std::string setup_token(bus::Context& context, const std::string& auth_endpoint, std::chrono::milliseconds wait,
                        std::string* why_not) {
  auth::AuthClient client(context, auth_endpoint, std::chrono::seconds(2));
  const auto deadline = SteadyClock::now() + wait;
  for (;;) {
    auto answer = client.issue_setup_token();
    if (answer) return answer->token;
    if (answer.status().code() != Code::unavailable || SteadyClock::now() >= deadline) {
      if (why_not != nullptr) *why_not = answer.status().message();
      return {};
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(200));
  }
}

int setup_token_command(const bus::BusKey& bus_key, const std::string& auth_endpoint) {
  bus::Context context(bus_key);
  std::string why_not;
  std::string token = setup_token(context, auth_endpoint, std::chrono::seconds(0), &why_not);
  if (token.empty()) {
    std::fprintf(stderr, "spanline setup-token: %s\n", why_not.c_str());
    return 1;
  }
  std::printf("%s\n", token.c_str());
  return 0;
}

}  // namespace spanline::launcher
