#include "bus/security/zap_handler.h"

#include <zmq.h>

#include "base/log.h"

namespace spanline::bus {
namespace {

constexpr auto kRefusalLogInterval = std::chrono::seconds(10);

std::string z85_of(const zmq::message_t& key) {
  if (key.size() != 32) return "(malformed key)";
  char text[41] = {};
  zmq_z85_encode(text, static_cast<const uint8_t*>(key.data()), 32);
  return text;
}

// The client's address without its ephemeral port: one log line per host.
std::string host_of(const std::string& address) {
  auto colon = address.rfind(':');
  return colon == std::string::npos ? address : address.substr(0, colon);
}

}  // namespace

ZapHandler::ZapHandler(zmq::context_t& context, std::string allowed_public_z85)
    : socket_(context, zmq::socket_type::rep), allowed_public_z85_(std::move(allowed_public_z85)) {
  socket_.set(zmq::sockopt::linger, 0);
  socket_.set(zmq::sockopt::rcvtimeo, 200);
  socket_.bind("inproc://zeromq.zap.01");
  thread_ = std::thread([this] { run(); });
}

ZapHandler::~ZapHandler() {
  stopping_.store(true);
  if (thread_.joinable()) thread_.join();
}

void ZapHandler::run() {
  while (!stopping_.load()) {
    std::vector<zmq::message_t> request;
    try {
      zmq::message_t frame;
      if (!socket_.recv(frame)) continue;
      request.push_back(std::move(frame));
      while (request.back().more()) {
        zmq::message_t next;
        if (!socket_.recv(next)) break;
        request.push_back(std::move(next));
      }
      answer(request);
    } catch (const zmq::error_t& e) {
      if (e.num() == ETERM) return;
      if (e.num() != EINTR) log::warn("ZAP handler receive failed", {{"error", e.what()}});
    }
  }
}

void ZapHandler::answer(std::vector<zmq::message_t>& request) {
  // RFC 27 request: version, request id, domain, address, routing id, mechanism, credentials...
  std::string request_id = request.size() > 1 ? request[1].to_string() : "";
  std::string status = "400";
  std::string status_text = "malformed ZAP request";
  if (request.size() >= 6 && request[0].to_string_view() == "1.0") {
    std::string address = request[3].to_string();
    std::string mechanism = request[5].to_string();
    std::string client_key = (mechanism == "CURVE" && request.size() >= 7) ? z85_of(request[6]) : "";
    if (mechanism == "CURVE" && client_key == allowed_public_z85_) {
      status = "200";
      status_text = "OK";
    } else {
      status_text = mechanism == "CURVE" ? "client key is not this deployment's bus key" : "CURVE required";
      refused_.fetch_add(1);
      log_refusal(address, mechanism, client_key);
    }
  }
  const std::string reply[] = {"1.0", request_id, status, status_text, "", ""};
  for (size_t i = 0; i < std::size(reply); ++i) {
    socket_.send(zmq::buffer(reply[i]), i + 1 < std::size(reply) ? zmq::send_flags::sndmore : zmq::send_flags::none);
  }
}

void ZapHandler::log_refusal(const std::string& address, const std::string& mechanism, const std::string& client_key) {
  auto now = std::chrono::steady_clock::now();
  auto& last = last_logged_[host_of(address)];
  if (last != std::chrono::steady_clock::time_point{} && now - last < kRefusalLogInterval) return;
  last = now;
  if (last_logged_.size() > 1024) last_logged_.clear();
  log::warn("refused a bus peer: its CURVE key is not this deployment's bus key (check its --curve-secret-key)",
            {{"peer", address}, {"mechanism", mechanism}, {"client_public_key", client_key},
             {"refused_total", refused_.load()}});
}

}  // namespace spanline::bus
