// CURVE on the bus: the key option's forms, and who gets through a secured socket.
#include "bus/security/bus_key.h"

#include <gtest/gtest.h>

#include <fstream>
#include <thread>

#include "bus/context.h"
#include "bus/envelope.h"
#include "bus/sockets.h"
#include "tests/support/temp_dir.h"

namespace spanline::bus {
namespace {

TEST(BusKey, EmptyMeansNoCurve) {
  auto key = load_bus_key("");
  ASSERT_TRUE(key.is_ok());
  EXPECT_FALSE(key->enabled());
}

TEST(BusKey, AZ85SecretGivesItsPublicKey) {
  auto generated = generate_bus_key();
  ASSERT_TRUE(generated.is_ok()) << generated.status().to_string();
  auto loaded = load_bus_key(generated->secret_z85);
  ASSERT_TRUE(loaded.is_ok()) << loaded.status().to_string();
  EXPECT_EQ(loaded->public_z85, generated->public_z85);
  EXPECT_TRUE(loaded->enabled());
}

TEST(BusKey, KeyFilesRoundTripAndMismatchedHalvesAreRefused) {
  testing::TempDir dir;
  auto key = generate_bus_key();
  ASSERT_TRUE(key.is_ok());
  std::string path = dir / "bus.key";
  std::ofstream(path) << key_file_text(*key, "2026-11-23T00:00:00Z");
  auto loaded = load_bus_key(path);
  ASSERT_TRUE(loaded.is_ok()) << loaded.status().to_string();
  EXPECT_EQ(loaded->secret_z85, key->secret_z85);

  auto other = generate_bus_key();
  std::string mixed = dir / "mixed.key";
  std::ofstream(mixed) << "public-key=" << other->public_z85 << "\nsecret-key=" << key->secret_z85 << "\n";
  auto refused = load_bus_key(mixed);
  ASSERT_FALSE(refused.is_ok());
  EXPECT_NE(refused.status().message().find("does not belong"), std::string::npos) << refused.status().message();

  std::string empty = dir / "empty.key";
  std::ofstream(empty) << "# nothing\n";
  EXPECT_NE(load_bus_key(empty).status().message().find("no secret-key"), std::string::npos);
}

TEST(BusKey, GarbageIsNeitherAKeyNorAFile) {
  auto bad = load_bus_key("not-a-key");
  ASSERT_FALSE(bad.is_ok());
  EXPECT_NE(bad.status().message().find("--curve-secret-key"), std::string::npos);
}

// Whether a request sent by `client` reaches a ROUTER bound by `server` within
// about a second (dealers are ZMQ_IMMEDIATE: nothing queues before a handshake).
bool reaches_router(Context& server, const std::string& endpoint, zmq::socket_t& client) {
  zmq::socket_t router = bind_router(server, endpoint);
  client.connect(endpoint);
  for (int attempt = 0; attempt < 100; ++attempt) {
    (void)send_message(client, "", make_header(MessageType::ping, 1));
    zmq::pollitem_t item{router.handle(), 0, ZMQ_POLLIN, 0};
    if (zmq::poll(&item, 1, std::chrono::milliseconds(10)) > 0) {
      Received received = receive_message(router, true);
      return received.got_message && received.decode.is_ok();
    }
  }
  return false;
}

zmq::socket_t unconnected_dealer(Context& context) {
  zmq::socket_t dealer(context, zmq::socket_type::dealer);
  dealer.set(zmq::sockopt::linger, 0);
  dealer.set(zmq::sockopt::immediate, true);
  return dealer;
}

class SecuredBus : public ::testing::Test {
 protected:
  void SetUp() override {
    deployment_ = generate_bus_key().value();
    stranger_ = generate_bus_key().value();
  }
  std::string endpoint() { return "ipc://" + dir_ / "secured.sock"; }
  // Two processes' worth of bus: a server stage and a client stage, each with its key (empty: none).
  bool delivered(const BusKey& server_key, const BusKey& client_key) {
    Context server(server_key);
    Context client_context(client_key);
    zmq::socket_t client = unconnected_dealer(client_context);
    client_context.secure(client, Context::Role::client, "test dealer");
    return reaches_router(server, endpoint(), client);
  }

  testing::TempDir dir_;
  BusKey deployment_;
  BusKey stranger_;
};

TEST_F(SecuredBus, StagesWithTheDeploymentKeyTalk) { EXPECT_TRUE(delivered(deployment_, deployment_)); }

TEST_F(SecuredBus, AStageWithAnotherKeyGetsNothingThrough) { EXPECT_FALSE(delivered(deployment_, stranger_)); }

TEST_F(SecuredBus, AStageWithoutAKeyGetsNothingThrough) { EXPECT_FALSE(delivered(deployment_, BusKey{})); }

TEST_F(SecuredBus, AKeyedStageDoesNotTalkToAPlainOne) { EXPECT_FALSE(delivered(BusKey{}, deployment_)); }

// Knowing the deployment's public key is not enough: a peer that proves it
// holds some other secret key is refused by the ZAP handler, and counted.
TEST_F(SecuredBus, KnowingThePublicKeyIsNotEnough) {
  Context server(deployment_);
  Context raw;
  zmq::socket_t client = unconnected_dealer(raw);
  client.set(zmq::sockopt::curve_serverkey, deployment_.public_z85);
  client.set(zmq::sockopt::curve_publickey, stranger_.public_z85);
  client.set(zmq::sockopt::curve_secretkey, stranger_.secret_z85);
  EXPECT_FALSE(reaches_router(server, endpoint(), client));
  EXPECT_GE(server.refused_peers(), 1u);
}

}  // namespace
}  // namespace spanline::bus
