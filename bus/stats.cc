#include "bus/stats.h"

#include <unistd.h>

#include <fstream>
#include <stdexcept>

#include "bus/envelope.h"
#include "bus/sockets.h"

namespace spanline::bus {

std::atomic<uint64_t>& StatsRegistry::counter(const std::string& name) {
  std::lock_guard lock(mutex_);
  auto& slot = counters_[name];
  if (!slot) slot = std::make_unique<std::atomic<uint64_t>>(0);
  return *slot;
}

void StatsRegistry::gauge(const std::string& name, std::function<double()> read) {
  std::lock_guard lock(mutex_);
  gauges_[name] = std::move(read);
}

void StatsRegistry::set_info(const std::string& key, const std::string& value) {
  std::lock_guard lock(mutex_);
  info_[key] = value;
}

StatsSnapshot StatsRegistry::snapshot() const {
  StatsSnapshot snapshot;
  std::lock_guard lock(mutex_);
  for (const auto& [name, value] : counters_) snapshot.counters[name] = value->load(std::memory_order_relaxed);
  for (const auto& [name, read] : gauges_) snapshot.gauges[name] = read();
  snapshot.info = info_;
  return snapshot;
}

namespace {

// One PUB socket connected to every endpoint of the list.
zmq::socket_t connect_publisher_to_each(bus::Context& context, const std::string& endpoints) {
  auto list = parse_endpoint_list(endpoints, "the stats endpoint list");
  if (!list) throw std::invalid_argument(list.status().message());
  zmq::socket_t socket = connect_publisher(context, list->front());
  for (size_t i = 1; i < list->size(); ++i) socket.connect((*list)[i]);
  return socket;
}

}  // namespace

StatsPublisher::StatsPublisher(bus::Context& context, const std::string& endpoints, std::string stage, std::string instance,
                               const StatsRegistry& registry, std::chrono::milliseconds interval)
    : socket_(connect_publisher_to_each(context, endpoints)),
      stage_(std::move(stage)),
      instance_(std::move(instance)),
      registry_(registry),
      interval_(interval),
      thread_([this] { run(); }) {}

StatsPublisher::~StatsPublisher() {
  {
    std::lock_guard lock(mutex_);
    stopping_ = true;
  }
  stop_cv_.notify_all();
  thread_.join();
}

void StatsPublisher::run() {
  zmq::socket_t& socket = socket_;
  std::unique_lock lock(mutex_);
  while (!stop_cv_.wait_for(lock, interval_, [this] { return stopping_; })) {
    StatsSnapshot snapshot = registry_.snapshot();
    snapshot.stage = stage_;
    snapshot.instance = instance_;
    snapshot.pid = static_cast<int32_t>(::getpid());
    snapshot.unix_ms = std::chrono::duration_cast<std::chrono::milliseconds>(
                           std::chrono::system_clock::now().time_since_epoch())
                           .count();
    snapshot.gauges["rss_bytes"] = resident_memory_bytes();
    std::string body = encode_stats(snapshot);
    std::vector<zmq::message_t> payload;
    payload.emplace_back(body.data(), body.size());
    (void)send_message(socket, "", make_header(MessageType::stats), payload);
  }
  socket.close();
}

std::string encode_stats(const StatsSnapshot& snapshot) {
  msgpack::sbuffer buffer;
  msgpack::pack(buffer, snapshot);
  return std::string(buffer.data(), buffer.size());
}

Result<StatsSnapshot> decode_stats(const void* data, size_t size) {
  try {
    msgpack::object_handle handle =
        msgpack::unpack(static_cast<const char*>(data), size, nullptr, nullptr, unpack_limit_for(size));
    StatsSnapshot snapshot;
    handle.get().convert(snapshot);
    return snapshot;
  } catch (const std::exception& e) {
    return Status(Code::invalid_argument, std::string("malformed stats message: ") + e.what());
  }
}

double resident_memory_bytes() {
  std::ifstream statm("/proc/self/statm");
  long pages_total = 0, pages_resident = 0;
  statm >> pages_total >> pages_resident;
  return static_cast<double>(pages_resident) * static_cast<double>(::sysconf(_SC_PAGESIZE));
}

}  // namespace spanline::bus
