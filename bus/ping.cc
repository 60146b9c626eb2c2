#include "bus/ping.h"

#include <cstdio>

#include "bus/request_client.h"

namespace spanline::bus {

int ping_command(const std::string& program, const std::string& what, const std::string& endpoint,
                 const BusKey& key, std::chrono::milliseconds timeout) {
  Context context(key);
  RequestClient client(context, {.endpoint = endpoint});
  auto reply = client.call(make_header(MessageType::ping), {}, {.timeout = timeout});
  if (!reply) {
    std::fprintf(stderr, "%s ping: %s\n", program.c_str(), reply.status().to_string().c_str());
    return 1;
  }
  std::printf("%s at %s is up\n", what.c_str(), endpoint.c_str());
  return 0;
}

}  // namespace spanline::bus
