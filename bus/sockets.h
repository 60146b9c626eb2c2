#pragma once
// Socket construction with the options every hop needs, so that no stage
// forgets one: ZMQ_IMMEDIATE (a dead peer fails fast instead of queueing),
// heartbeats (a silent tcp peer is noticed), bounded queues, a message size cap
// on receiving sockets, and linger 0 where nothing unacknowledged was promised.
// When the deployment has a bus key, every socket made here is CURVE-secured
// (binding sides are servers, connecting sides clients) and its failed
// handshakes are logged. These throw zmq::error_t on a bad endpoint: they run
// at start-up.

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include <zmq.hpp>

#include "base/status.h"
#include "bus/context.h"

namespace spanline::bus {

struct SocketOptions {
  int send_high_water = 10'000;
  int receive_high_water = 10'000;
  int64_t max_message_bytes = 256LL << 20;
  int heartbeat_ms = 1000;
  int reconnect_ms = 100;
  // A tcp connect that gets no answer (a peer host cut off) is abandoned and
  // retried after this long, instead of waiting out the kernel's SYN retries.
  int connect_timeout_ms = 2000;
};

zmq::socket_t bind_router(Context& context, const std::string& endpoint, const SocketOptions& options = {});
zmq::socket_t connect_dealer(Context& context, const std::string& endpoint, const SocketOptions& options = {});
zmq::socket_t connect_publisher(Context& context, const std::string& endpoint, const SocketOptions& options = {});
zmq::socket_t bind_subscriber(Context& context, const std::string& endpoint, const SocketOptions& options = {});
zmq::socket_t bind_publisher(Context& context, const std::string& endpoint, const SocketOptions& options = {});
// Subscribes to everything; `receive_timeout_ms` lets its thread check for shutdown.
zmq::socket_t connect_subscriber(Context& context, const std::string& endpoint, int receive_timeout_ms,
                                 const SocketOptions& options = {});

// "a,b" -> {"a", "b"} (blanks around an item dropped): the flags that name
// several peers of one kind (WALs, apis' stats) take such a list.
// invalid_argument naming `what` when the list or an item is empty.
Result<std::vector<std::string>> parse_endpoint_list(std::string_view list, std::string_view what);

// For ipc:// endpoints, creates the folder the socket file lives in.
void prepare_ipc_path(const std::string& endpoint);

}  // namespace spanline::bus
