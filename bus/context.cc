#include "bus/context.h"

#include <cstdio>

#include "bus/security/handshake_log.h"
#include "bus/security/zap_handler.h"

namespace spanline::bus {

namespace {
constexpr const char* kZapDomain = "spanline-bus";
}

Context::Context(BusKey key) : key_(std::move(key)) {
  if (!key_.enabled()) return;
  zap_ = std::make_unique<ZapHandler>(*this, key_.public_z85);
  handshakes_ = std::make_unique<HandshakeLog>(*this);
}

// The helpers own sockets of this context: they close them before the base
// class terminates it.
Context::~Context() = default;

uint64_t Context::refused_peers() const { return zap_ ? zap_->refused() : 0; }

void Context::secure(zmq::socket_t& socket, Role role, const std::string& description) {
  if (!key_.enabled()) return;
  if (role == Role::server) {
    socket.set(zmq::sockopt::curve_server, true);
    socket.set(zmq::sockopt::curve_secretkey, key_.secret_z85);
    socket.set(zmq::sockopt::zap_domain, kZapDomain);
  } else {
    // One key pair per deployment: the server's public key is ours too.
    socket.set(zmq::sockopt::curve_serverkey, key_.public_z85);
    socket.set(zmq::sockopt::curve_publickey, key_.public_z85);
    socket.set(zmq::sockopt::curve_secretkey, key_.secret_z85);
  }
  handshakes_->watch(socket, description, role == Role::server);
}

std::optional<BusKey> bus_key_or_explain(const std::string& program, const std::string& option_value) {
  auto key = load_bus_key(option_value);
  if (!key) {
    std::fprintf(stderr, "%s: %s\n", program.c_str(), key.status().message().c_str());
    return std::nullopt;
  }
  return *key;
}

}  // namespace spanline::bus
