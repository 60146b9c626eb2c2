#include "bus/sockets.h"

#include <filesystem>

namespace spanline::bus {
namespace {

void apply_common(zmq::socket_t& socket, const SocketOptions& options) {
  socket.set(zmq::sockopt::linger, 0);
  socket.set(zmq::sockopt::sndhwm, options.send_high_water);
  socket.set(zmq::sockopt::rcvhwm, options.receive_high_water);
  socket.set(zmq::sockopt::heartbeat_ivl, options.heartbeat_ms);
  socket.set(zmq::sockopt::heartbeat_timeout, options.heartbeat_ms * 3);
  socket.set(zmq::sockopt::reconnect_ivl, options.reconnect_ms);
  socket.set(zmq::sockopt::reconnect_ivl_max, options.reconnect_ms * 10);
}

}  // namespace

void prepare_ipc_path(const std::string& endpoint) {
  static constexpr std::string_view kIpc = "ipc://";
  if (!endpoint.starts_with(kIpc)) return;
  std::filesystem::path path(endpoint.substr(kIpc.size()));
  if (path.has_parent_path()) std::filesystem::create_directories(path.parent_path());
}

zmq::socket_t bind_router(zmq::context_t& context, const std::string& endpoint, const SocketOptions& options) {
  zmq::socket_t socket(context, zmq::socket_type::router);
  apply_common(socket, options);
  socket.set(zmq::sockopt::maxmsgsize, options.max_message_bytes);
  // A reply to a peer that vanished is dropped instead of blocking the stage.
  socket.set(zmq::sockopt::router_mandatory, false);
  prepare_ipc_path(endpoint);
  socket.bind(endpoint);
  return socket;
}

zmq::socket_t connect_dealer(zmq::context_t& context, const std::string& endpoint, const SocketOptions& options) {
  zmq::socket_t socket(context, zmq::socket_type::dealer);
  apply_common(socket, options);
  socket.set(zmq::sockopt::maxmsgsize, options.max_message_bytes);
  socket.set(zmq::sockopt::immediate, true);
  socket.connect(endpoint);
  return socket;
}

zmq::socket_t connect_publisher(zmq::context_t& context, const std::string& endpoint, const SocketOptions& options) {
  zmq::socket_t socket(context, zmq::socket_type::pub);
  apply_common(socket, options);
  socket.set(zmq::sockopt::sndhwm, 100);
  socket.connect(endpoint);
  return socket;
}

zmq::socket_t bind_subscriber(zmq::context_t& context, const std::string& endpoint, const SocketOptions& options) {
  zmq::socket_t socket(context, zmq::socket_type::sub);
  apply_common(socket, options);
  socket.set(zmq::sockopt::maxmsgsize, int64_t{1} << 20);
  socket.set(zmq::sockopt::subscribe, "");
  prepare_ipc_path(endpoint);
  socket.bind(endpoint);
  return socket;
}

}  // namespace spanline::bus
