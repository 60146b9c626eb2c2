#pragma once
// The ZeroMQ context of one process together with its bus security: every bus
// socket is made from it (bus/sockets.h), so a stage cannot open a socket that
// skips CURVE when the deployment has a key. The stage's main object owns it.

#include <memory>
#include <optional>
#include <string>

#include <zmq.hpp>

#include "bus/security/bus_key.h"

namespace spanline::bus {

class ZapHandler;
class HandshakeLog;

class Context : public zmq::context_t {
 public:
  explicit Context(BusKey key = {});
  ~Context();
  Context(const Context&) = delete;
  Context& operator=(const Context&) = delete;

  const BusKey& key() const { return key_; }
  // Peers that completed CURVE with a key that is not the deployment's.
  uint64_t refused_peers() const;

  enum class Role { server, client };
  // Applies CURVE to a socket before it binds (server) or connects (client),
  // and has its handshake failures logged under `description`. Does nothing
  // when the deployment has no key.
  void secure(zmq::socket_t& socket, Role role, const std::string& description);

 private:
  BusKey key_;
  std::unique_ptr<ZapHandler> zap_;
  std::unique_ptr<HandshakeLog> handshakes_;
};

// For main(): the key named by a binary's --curve-secret-key value, or nullopt
// after printing why it is unusable to stderr (exit with 2 then).
std::optional<BusKey> bus_key_or_explain(const std::string& program, const std::string& option_value);

}  // namespace spanline::bus
