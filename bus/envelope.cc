#include "bus/envelope.h"

namespace spanline::bus {
namespace {

bool send_frame(zmq::socket_t& socket, zmq::message_t& frame, bool more) {
  auto flags = zmq::send_flags::dontwait | (more ? zmq::send_flags::sndmore : zmq::send_flags::none);
  return socket.send(frame, flags).has_value();
}

}  // namespace

zmq::message_t frame_taking(std::string&& bytes) {
  // Small strings live inside the string object, so the object itself moves to
  // the heap: its data() stays put until ZeroMQ calls the free function.
  auto* owned = new std::string(std::move(bytes));
  return zmq::message_t(owned->data(), owned->size(), [](void*, void* hint) { delete static_cast<std::string*>(hint); }, owned);
}

Status send_message(zmq::socket_t& socket, const std::string& routing_id, const Header& header,
                    std::vector<zmq::message_t>& payload) {
  try {
    if (!routing_id.empty()) {
      zmq::message_t id(routing_id.data(), routing_id.size());
      if (!send_frame(socket, id, true)) return Status(Code::unavailable, "peer queue full or no peer connected");
    }
    std::string encoded = encode_header(header);
    zmq::message_t head(encoded.data(), encoded.size());
    // Once the first frame is queued the rest of a multipart message always follows.
    if (!send_frame(socket, head, !payload.empty())) {
      return Status(Code::unavailable, "peer queue full or no peer connected");
    }
    for (size_t i = 0; i < payload.size(); ++i) send_frame(socket, payload[i], i + 1 < payload.size());
    return Status::ok();
  } catch (const zmq::error_t& e) {
    return Status(Code::unavailable, std::string("bus send failed: ") + e.what());
  }
}

Status send_message(zmq::socket_t& socket, const std::string& routing_id, const Header& header) {
  std::vector<zmq::message_t> none;
  return send_message(socket, routing_id, header, none);
}

Received receive_message(zmq::socket_t& socket, bool with_routing_id) {
  Received received;
  std::vector<zmq::message_t> frames;
  try {
    zmq::message_t frame;
    if (!socket.recv(frame, zmq::recv_flags::dontwait)) return received;
    frames.push_back(std::move(frame));
    while (frames.back().more()) {
      zmq::message_t next;
      (void)socket.recv(next, zmq::recv_flags::none);
      frames.push_back(std::move(next));
    }
  } catch (const zmq::error_t& e) {
    return received;
  }
  received.got_message = true;
  size_t at = 0;
  if (with_routing_id) received.message.routing_id = frames[at++].to_string();
  if (at >= frames.size()) {
    received.decode = Status(Code::invalid_argument, "bus message has no header frame");
    return received;
  }
  auto header = decode_header(frames[at].data(), frames[at].size());
  ++at;
  if (!header) {
    received.decode = header.status();
  } else {
    received.message.header = std::move(header.value());
  }
  for (; at < frames.size(); ++at) received.message.payload.push_back(std::move(frames[at]));
  return received;
}

}  // namespace spanline::bus
