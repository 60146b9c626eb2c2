#include "bus/header.h"

#include <sstream>

namespace spanline::bus {

Header make_header(MessageType type, uint64_t request_id) {
  Header header;
  header.type = static_cast<uint16_t>(type);
  header.request_id = request_id;
  return header;
}

Header make_error(uint64_t request_id, const Status& status) {
  Header header = make_header(MessageType::error, request_id);
  header.code = static_cast<uint8_t>(status.code());
  header.message = status.message();
  return header;
}

Status status_of(const Header& header) {
  if (header.message_type() != MessageType::error) return Status::ok();
  Code code = static_cast<Code>(header.code);
  if (code == Code::ok) code = Code::internal;
  return Status(code, header.message);
}

std::string encode_header(const Header& header) {
  msgpack::sbuffer buffer;
  msgpack::pack(buffer, header);
  return std::string(buffer.data(), buffer.size());
}

msgpack::unpack_limit unpack_limit_for(size_t size) {
  constexpr size_t kMaxDepth = 8;
  return msgpack::unpack_limit(size, size, size, size, size, kMaxDepth);
}

Result<Header> decode_header(const void* data, size_t size) {
  // msgpack-cxx reports malformed input with exceptions; the bus is an input
  // boundary, so they stop here and become a Status.
  try {
    msgpack::object_handle handle =
        msgpack::unpack(static_cast<const char*>(data), size, nullptr, nullptr, unpack_limit_for(size));
    if (handle.get().type != msgpack::type::MAP) {
      return Status(Code::invalid_argument, "bus header is not a msgpack map");
    }
    Header header;
    handle.get().convert(header);
    if (header.version != kProtocolVersion) {
      return Status(Code::invalid_argument, "bus protocol version " + std::to_string(header.version) +
                                                " is not supported (this build speaks " +
                                                std::to_string(kProtocolVersion) + ")");
    }
    return header;
  } catch (const std::exception& e) {
    return Status(Code::invalid_argument, std::string("malformed bus header: ") + e.what());
  }
}

}  // namespace spanline::bus
