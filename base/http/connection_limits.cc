#include "base/http/connection_limits.h"

#include <sys/socket.h>

#include <mutex>
#include <unordered_map>

#include "base/log.h"

namespace spanline::http {

namespace {

constexpr const char* kSlotData = "spanline.connection_slot";
constexpr const char* kRefusedData = "spanline.connection_refused";
constexpr auto kLogInterval = std::chrono::seconds(10);

}  // namespace

void apply_timeouts(Pistache::Http::Endpoint::Options& options, const HttpTimeouts& timeouts) {
  options.headerTimeout(timeouts.header).bodyTimeout(timeouts.body).keepaliveTimeout(timeouts.keepalive);
}

struct ConnectionLimits::State {
  explicit State(ConnectionLimitOptions o) : options(std::move(o)) {}

  const ConnectionLimitOptions options;
  mutable std::mutex mutex;
  size_t open = 0;
  std::unordered_map<std::string, uint32_t> per_address;  // only addresses with open connections
  std::atomic<uint64_t> refused{0};
  // A refusal is logged at most once per kLogInterval, with how many came since.
  std::chrono::steady_clock::time_point last_log{};
  uint64_t refused_since_log = 0;

  void release(const std::string& address) {
    std::lock_guard lock(mutex);
    --open;
    auto found = per_address.find(address);
    if (found != per_address.end() && --found->second == 0) per_address.erase(found);
  }
};

// Lives in an admitted peer's data; Pistache drops it with the peer.
struct ConnectionLimits::Slot {
  Slot(std::shared_ptr<State> s, std::string a) : state(std::move(s)), address(std::move(a)) {}
  ~Slot() { state->release(address); }
  Slot(const Slot&) = delete;
  Slot& operator=(const Slot&) = delete;

  const std::shared_ptr<State> state;
  const std::string address;
};

ConnectionLimits::ConnectionLimits(ConnectionLimitOptions options) : state_(std::make_shared<State>(std::move(options))) {}

bool ConnectionLimits::admit(const std::shared_ptr<Pistache::Tcp::Peer>& peer) {
  std::string address = peer->address().host();
  const char* cap = nullptr;
  bool log_now = false;
  uint64_t refused_since_log = 0;
  {
    std::lock_guard lock(state_->mutex);
    const auto& options = state_->options;
    uint32_t& from_address = state_->per_address[address];
    if (options.max_connections != 0 && state_->open >= options.max_connections) {
      cap = "max_connections";
    } else if (options.max_per_address != 0 && from_address >= options.max_per_address) {
      cap = "max_connections_per_address";
    }
    if (cap == nullptr) {
      ++state_->open;
      ++from_address;
    } else {
      if (from_address == 0) state_->per_address.erase(address);
      ++state_->refused_since_log;
      const auto now = std::chrono::steady_clock::now();
      if (now - state_->last_log >= kLogInterval) {
        log_now = true;
        refused_since_log = state_->refused_since_log;
        state_->refused_since_log = 0;
        state_->last_log = now;
      }
    }
  }
  if (cap == nullptr) {
    peer->putData(kSlotData, std::make_shared<Slot>(state_, std::move(address)));
    return true;
  }
  state_->refused.fetch_add(1, std::memory_order_relaxed);
  if (state_->options.refused_counter != nullptr) state_->options.refused_counter->fetch_add(1, std::memory_order_relaxed);
  peer->putData(kRefusedData, std::make_shared<bool>(true));
  // Reset rather than a FIN handshake: the refused client learns at once, and
  // no TIME_WAIT state is left behind for each refusal. Pistache owns the
  // descriptor, so it is shut down here and closed by Pistache when it sees that.
  const int fd = peer->fd();
  linger abort_on_close{1, 0};
  (void)::setsockopt(fd, SOL_SOCKET, SO_LINGER, &abort_on_close, sizeof(abort_on_close));
  (void)::shutdown(fd, SHUT_RDWR);
  if (log_now) {
    log::warn("connection refused at a cap", {{"server", state_->options.server},
                                              {"cap", cap},
                                              {"address", address},
                                              {"refused_since_last_line", refused_since_log},
                                              {"max_connections", state_->options.max_connections},
                                              {"max_connections_per_address", state_->options.max_per_address}});
  }
  return false;
}

bool ConnectionLimits::refused(const Pistache::Tcp::Peer& peer) { return peer.tryGetData(kRefusedData) != nullptr; }

size_t ConnectionLimits::open() const {
  std::lock_guard lock(state_->mutex);
  return state_->open;
}

uint64_t ConnectionLimits::refused_total() const { return state_->refused.load(std::memory_order_relaxed); }

const ConnectionLimitOptions& ConnectionLimits::options() const { return state_->options; }

void LimitedHandler::onConnection(const std::shared_ptr<Pistache::Tcp::Peer>& peer) {
  // What Pistache's own Http::Handler::onConnection does (it is private, so it
  // cannot be called from here): every peer needs its request parser, refused
  // ones too, since Pistache's timeout check reads it for every peer.
  peer->putData(ParserData, make_parser());
  limits_->admit(peer);
}

std::shared_ptr<Pistache::Http::RequestParser> LimitedHandler::make_parser() {
  return std::make_shared<Pistache::Http::RequestParser>(getMaxRequestSize());
}

void LimitedHandler::onRequest(const Pistache::Http::Request& request, Pistache::Http::ResponseWriter response) {
  std::shared_ptr<Pistache::Tcp::Peer> peer;
  try {
    peer = response.peer();
  } catch (const std::exception&) {
    return;  // the client left already
  }
  // Bytes a refused client sent before the shutdown may still be parsed; they are not served.
  if (ConnectionLimits::refused(*peer)) return;
  serve(request, std::move(response));
}

}  // namespace spanline::http
