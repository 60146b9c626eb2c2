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
  socket.set(zmq::sockopt::connect_timeout, options.connect_timeout_ms);
}

std::string_view trimmed(std::string_view text) {
  while (!text.empty() && (text.front() == ' ' || text.front() == '\t')) text.remove_prefix(1);
  while (!text.empty() && (text.back() == ' ' || text.back() == '\t')) text.remove_suffix(1);
  return text;
}

}  // namespace

Result<std::vector<std::string>> parse_endpoint_list(std::string_view list, std::string_view what) {
  std::vector<std::string> endpoints;
  for (size_t start = 0;;) {
    size_t comma = list.find(',', start);
    std::string_view item = trimmed(list.substr(start, comma == std::string_view::npos ? std::string_view::npos : comma - start));
    if (item.empty()) {
      return Status(Code::invalid_argument, std::string(what) + " '" + std::string(list) +
                                                "' has an empty item: give one endpoint or a comma-separated list such as "
                                                "tcp://a:7001,tcp://b:7001");
    }
    endpoints.emplace_back(item);
    if (comma == std::string_view::npos) return endpoints;
    start = comma + 1;
  }
}

void prepare_ipc_path(const std::string& endpoint) {
  static constexpr std::string_view kIpc = "ipc://";
  if (!endpoint.starts_with(kIpc)) return;
  std::filesystem::path path(endpoint.substr(kIpc.size()));
  if (path.has_parent_path()) std::filesystem::create_directories(path.parent_path());
}

zmq::socket_t bind_router(Context& context, const std::string& endpoint, const SocketOptions& options) {
  zmq::socket_t socket(context, zmq::socket_type::router);
  apply_common(socket, options);
  socket.set(zmq::sockopt::maxmsgsize, options.max_message_bytes);
  // A reply to a peer that vanished is dropped instead of blocking the stage.
  socket.set(zmq::sockopt::router_mandatory, false);
  context.secure(socket, Context::Role::server, "router bound at " + endpoint);
  prepare_ipc_path(endpoint);
  socket.bind(endpoint);
  return socket;
}

zmq::socket_t connect_dealer(Context& context, const std::string& endpoint, const SocketOptions& options) {
  zmq::socket_t socket(context, zmq::socket_type::dealer);
  apply_common(socket, options);
  socket.set(zmq::sockopt::maxmsgsize, options.max_message_bytes);
  socket.set(zmq::sockopt::immediate, true);
  context.secure(socket, Context::Role::client, "dealer to " + endpoint);
  socket.connect(endpoint);
  return socket;
}

zmq::socket_t connect_publisher(Context& context, const std::string& endpoint, const SocketOptions& options) {
  zmq::socket_t socket(context, zmq::socket_type::pub);
  apply_common(socket, options);
  socket.set(zmq::sockopt::sndhwm, 100);
  context.secure(socket, Context::Role::client, "stats publisher to " + endpoint);
  socket.connect(endpoint);
  return socket;
}

zmq::socket_t bind_subscriber(Context& context, const std::string& endpoint, const SocketOptions& options) {
  zmq::socket_t socket(context, zmq::socket_type::sub);
  apply_common(socket, options);
  socket.set(zmq::sockopt::maxmsgsize, int64_t{1} << 20);
  socket.set(zmq::sockopt::subscribe, "");
  context.secure(socket, Context::Role::server, "subscriber bound at " + endpoint);
  prepare_ipc_path(endpoint);
  socket.bind(endpoint);
  return socket;
}

zmq::socket_t bind_publisher(Context& context, const std::string& endpoint, const SocketOptions& options) {
  zmq::socket_t socket(context, zmq::socket_type::pub);
  apply_common(socket, options);
  context.secure(socket, Context::Role::server, "publisher bound at " + endpoint);
  prepare_ipc_path(endpoint);
  socket.bind(endpoint);
  return socket;
}

zmq::socket_t connect_subscriber(Context& context, const std::string& endpoint, int receive_timeout_ms,
                                 const SocketOptions& options) {
  zmq::socket_t socket(context, zmq::socket_type::sub);
  apply_common(socket, options);
  socket.set(zmq::sockopt::rcvtimeo, receive_timeout_ms);
  socket.set(zmq::sockopt::maxmsgsize, int64_t{1} << 20);
  socket.set(zmq::sockopt::subscribe, "");
  context.secure(socket, Context::Role::client, "subscriber to " + endpoint);
  socket.connect(endpoint);
  return socket;
}

}  // namespace spanline::bus
