#pragma once
// Socket construction with the options every hop needs, so that no stage
// forgets one: ZMQ_IMMEDIATE (a dead peer fails fast instead of queueing),
// heartbeats (a silent tcp peer is noticed), bounded queues, a message size cap
// on receiving sockets, and linger 0 where nothing unacknowledged was promised.
// These throw zmq::error_t on a bad endpoint: they run at start-up.

#include <cstdint>
#include <string>

#include <zmq.hpp>

namespace spanline::bus {

struct SocketOptions {
  int send_high_water = 10'000;
  int receive_high_water = 10'000;
  int64_t max_message_bytes = 256LL << 20;
  int heartbeat_ms = 1000;
  int reconnect_ms = 100;
};

zmq::socket_t bind_router(zmq::context_t& context, const std::string& endpoint, const SocketOptions& options = {});
zmq::socket_t connect_dealer(zmq::context_t& context, const std::string& endpoint, const SocketOptions& options = {});
zmq::socket_t connect_publisher(zmq::context_t& context, const std::string& endpoint, const SocketOptions& options = {});
zmq::socket_t bind_subscriber(zmq::context_t& context, const std::string& endpoint, const SocketOptions& options = {});

// For ipc:// endpoints, creates the folder the socket file lives in.
void prepare_ipc_path(const std::string& endpoint);

}  // namespace spanline::bus
