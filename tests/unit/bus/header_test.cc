#include "bus/header.h"

#include <gtest/gtest.h>

#include <thread>

#include "bus/envelope.h"
#include "bus/sockets.h"
#include "tests/support/temp_dir.h"

namespace spanline::bus {
namespace {

TEST(Header, RoundTripsEveryField) {
  Header header = make_header(MessageType::read_reply, 42);
  header.partition = 3;
  header.sequence = 1ULL << 40;
  header.consumer = "index";
  header.sequences = {7, 8, 9};
  header.received_nanos = {-1, 0, 1700000000000000000};
  std::string bytes = encode_header(header);
  auto decoded = decode_header(bytes.data(), bytes.size());
  ASSERT_TRUE(decoded.is_ok()) << decoded.status().to_string();
  EXPECT_EQ(decoded->message_type(), MessageType::read_reply);
  EXPECT_EQ(decoded->request_id, 42u);
  EXPECT_EQ(decoded->partition, 3);
  EXPECT_EQ(decoded->sequence, 1ULL << 40);
  EXPECT_EQ(decoded->consumer, "index");
  EXPECT_EQ(decoded->sequences, (std::vector<uint64_t>{7, 8, 9}));
  EXPECT_EQ(decoded->received_nanos[2], 1700000000000000000);
}

TEST(Header, IgnoresUnknownKeysAndDefaultsMissingOnes) {
  // A newer peer's header: an extra key, and no partition.
  msgpack::sbuffer buffer;
  msgpack::packer<msgpack::sbuffer> packer(buffer);
  packer.pack_map(4);
  packer.pack(std::string("v"));
  packer.pack(1);
  packer.pack(std::string("t"));
  packer.pack(static_cast<int>(MessageType::ping));
  packer.pack(std::string("id"));
  packer.pack(9);
  packer.pack(std::string("future_field"));
  packer.pack(std::string("x"));
  auto decoded = decode_header(buffer.data(), buffer.size());
  ASSERT_TRUE(decoded.is_ok()) << decoded.status().to_string();
  EXPECT_EQ(decoded->message_type(), MessageType::ping);
  EXPECT_EQ(decoded->request_id, 9u);
  EXPECT_EQ(decoded->partition, -1);
}

TEST(Header, MalformedBytesAndWrongVersionAreErrorsNotCrashes) {
  const char garbage[] = "\xc1\xff\x00not msgpack";
  EXPECT_EQ(decode_header(garbage, sizeof garbage).status().code(), Code::invalid_argument);
  std::string truncated = encode_header(make_header(MessageType::append, 1)).substr(0, 5);
  EXPECT_FALSE(decode_header(truncated.data(), truncated.size()).is_ok());
  Header future = make_header(MessageType::ping, 1);
  future.version = 99;
  std::string bytes = encode_header(future);
  auto decoded = decode_header(bytes.data(), bytes.size());
  ASSERT_FALSE(decoded.is_ok());
  EXPECT_NE(decoded.status().message().find("version 99"), std::string::npos);
  const char array[] = "\x92\x01\x02";  // a msgpack array, not a map
  EXPECT_FALSE(decode_header(array, 3).is_ok());
}

TEST(Header, ErrorRepliesCarryTheStatus) {
  Header error = make_error(5, Status(Code::resource_exhausted, "queue full"));
  Status status = status_of(error);
  EXPECT_EQ(status.code(), Code::resource_exhausted);
  EXPECT_EQ(status.message(), "queue full");
  EXPECT_TRUE(status_of(make_header(MessageType::pong, 5)).is_ok());
}

TEST(Envelope, PayloadFramesTravelUntouchedBetweenDealerAndRouter) {
  testing::TempDir dir;
  bus::Context context;
  std::string endpoint = "ipc://" + dir / "env.sock";
  zmq::socket_t router = bind_router(context, endpoint);
  zmq::socket_t dealer = connect_dealer(context, endpoint);
  Header header = make_header(MessageType::append, 77);
  header.partition = 2;
  std::string otlp_bytes("\x0a\x00\xff binary \x00 bytes", 18);
  std::vector<zmq::message_t> payload;
  payload.emplace_back(otlp_bytes.data(), otlp_bytes.size());
  // The DEALER may need a moment to connect (ZMQ_IMMEDIATE).
  Status sent;
  for (int i = 0; i < 200; ++i) {
    sent = send_message(dealer, "", header, payload);
    if (sent.is_ok()) break;
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  }
  ASSERT_TRUE(sent.is_ok()) << sent.to_string();
  zmq::pollitem_t item{router.handle(), 0, ZMQ_POLLIN, 0};
  zmq::poll(&item, 1, std::chrono::milliseconds(2000));
  Received received = receive_message(router, true);
  ASSERT_TRUE(received.got_message);
  ASSERT_TRUE(received.decode.is_ok());
  EXPECT_FALSE(received.message.routing_id.empty());
  EXPECT_EQ(received.message.header.request_id, 77u);
  ASSERT_EQ(received.message.payload.size(), 1u);
  EXPECT_EQ(received.message.payload[0].to_string(), otlp_bytes);
}

}  // namespace
}  // namespace spanline::bus
