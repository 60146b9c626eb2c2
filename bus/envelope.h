#pragma once
// The one place that knows how a bus message is laid out in ZeroMQ frames:
//   DEALER side:  [header][payload 0][payload 1]...
//   ROUTER side:  [routing id][header][payload 0]...
// The header is msgpack (bus/header.h); payloads are opaque bytes (OTLP protobuf).

#include <string>
#include <vector>

#include <zmq.hpp>

#include "bus/header.h"
#include "base/status.h"

namespace spanline::bus {

struct Message {
  std::string routing_id;  // set on ROUTER sockets only
  Header header;
  std::vector<zmq::message_t> payload;
};

// A payload frame that takes the bytes over instead of copying them: ZeroMQ
// frees the string once the frame is sent. For large frames on the read path
// (WAL entries, query answers) this saves a copy of every byte served.
zmq::message_t frame_taking(std::string&& bytes);

// Sends without blocking. A full queue or a missing peer (ZMQ_IMMEDIATE) comes
// back as unavailable; the payload frames are consumed only on success.
Status send_message(zmq::socket_t& socket, const std::string& routing_id, const Header& header,
                    std::vector<zmq::message_t>& payload);
Status send_message(zmq::socket_t& socket, const std::string& routing_id, const Header& header);

// Receives one whole message if one is waiting. `decode` carries a malformed
// header's error while `routing_id` still says whom to answer.
struct Received {
  bool got_message = false;
  Status decode = Status::ok();
  Message message;
};
Received receive_message(zmq::socket_t& socket, bool with_routing_id);

}  // namespace spanline::bus
