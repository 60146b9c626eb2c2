#include "protocol/wal/wal_map.h"

#include <condition_variable>
#include <mutex>
#include <optional>
#include <thread>

#include "base/log.h"
#include "base/options.h"
#include "bus/sockets.h"
#include "protocol/wal/partitions.h"

namespace spanline::wal {

using namespace std::chrono_literals;
using std::chrono::steady_clock;

namespace {

// A WAL not yet heard is asked again soon; one that answers, once a second.
constexpr auto kPingUntilAnswered = 200ms;
constexpr auto kPingAnswered = 1s;
constexpr auto kPingTimeout = 1s;
// A configuration error (overlap, counts that differ) is logged at most this often.
constexpr auto kProblemLogInterval = 10s;

// No WAL claims the partition, or two do.
constexpr int kNoOwner = -1;
constexpr int kTwoOwners = -2;

// What the map knows of one WAL; guarded by WalMap::State::mutex.
struct WalKnowledge {
  WalView view;
  std::optional<uint32_t> count;    // its partition count, from its last answer
  bool owns_all = false;            // its last answer's `ow` was "" (one WAL, or a WAL from before ownership)
  bool ping_in_flight = false;
  bool asked = false;  // a ping has had its outcome, an answer or a failure
  steady_clock::time_point next_ping{};
  steady_clock::time_point last_waiting_note{};

  // "WAL wal-b at tcp://b:7001", for messages.
  std::string name() const {
    return "WAL " + (view.instance.empty() ? view.endpoint : view.instance + " at " + view.endpoint);
  }
};

}  // namespace

Result<std::vector<std::string>> parse_wal_endpoints(const std::string& list) {
  return bus::parse_endpoint_list(list, "--wal-endpoint");
}

struct WalMap::State {
  std::vector<std::string> endpoints;
  std::string endpoints_text;
  std::string who;
  uint32_t configured = 0;
  std::vector<std::unique_ptr<bus::RequestClient>> clients;  // fixed after construction, in endpoint order

  mutable std::mutex mutex;
  mutable std::condition_variable changed;
  std::vector<WalKnowledge> wals;  // in endpoint order
  bool stopping = false;
  // Derived from `wals` by settle() after every answer.
  Result<uint32_t> count = Status(Code::unavailable, "");
  std::vector<int> owner_of;                        // per partition: index into wals, kNoOwner or kTwoOwners
  std::vector<std::pair<size_t, size_t>> claimants;  // per partition with kTwoOwners: the first two claiming it
  std::string problem;                              // the configuration error, if any, for the log
  steady_clock::time_point problem_logged{};
  std::string problem_logged_text;
  std::thread thread;

  void run();
  void ping(size_t index);
  void on_pong(size_t index, Result<bus::Message> pong);
  void settle();
  void log_problem();
  Result<uint32_t> unanswered_count() const;
  // With the lock held: `count`, checked against the configured one.
  Result<uint32_t> checked_count() const;
  // Every WAL has been asked once (answered or failed) and one has told the count.
  bool settled() const;
};

void WalMap::State::run() {
  std::unique_lock lock(mutex);
  while (!stopping) {
    auto now = steady_clock::now();
    auto next = now + kPingAnswered;
    for (size_t i = 0; i < wals.size(); ++i) {
      WalKnowledge& wal = wals[i];
      if (wal.ping_in_flight) continue;
      if (wal.next_ping <= now) ping(i);
      if (!wal.ping_in_flight && wal.next_ping < next) next = wal.next_ping;
    }
    log_problem();
    changed.wait_until(lock, next, [&] { return stopping; });
  }
}

// With the lock held: the reply's callback runs on the client's I/O thread and
// takes the lock itself, never inside start_request().
void WalMap::State::ping(size_t index) {
  WalKnowledge& wal = wals[index];
  wal.ping_in_flight = true;
  Status started = clients[index]->start_request(bus::make_header(bus::MessageType::ping), {}, {.timeout = kPingTimeout},
                                                  [this, index](Result<bus::Message> pong) { on_pong(index, std::move(pong)); });
  if (!started.is_ok()) {
    wal.ping_in_flight = false;
    wal.next_ping = steady_clock::now() + kPingUntilAnswered;
  }
}

void WalMap::State::on_pong(size_t index, Result<bus::Message> pong) {
  std::lock_guard lock(mutex);
  if (stopping) return;
  WalKnowledge& wal = wals[index];
  wal.ping_in_flight = false;
  wal.asked = true;
  auto now = steady_clock::now();
  Status usable = pong ? check_partition_count_range(pong->header.partitions, "the WAL's partition count") : pong.status();
  std::optional<std::vector<uint32_t>> owned;
  if (usable.is_ok() && !pong->header.owned.empty()) {
    auto list = parse_uint_list(pong->header.owned);
    if (list) {
      owned = std::move(*list);
    } else {
      usable = Status(Code::invalid_argument, "the WAL's owned partitions: " + list.status().message());
    }
  }
  if (!usable.is_ok()) {
    // Down, or not a WAL we can route to: what it owned stays its own, so its
    // parts fail here rather than go to a WAL that would refuse them.
    if (wal.view.answering) {
      log::warn("a WAL stopped answering; its partitions stay its own until it answers again",
                {{"wal", wal.name()}, {"owned", pong ? pong->header.owned : std::string()}, {"error", usable.to_string()}});
    } else if (!wal.count && now - wal.last_waiting_note > kProblemLogInterval) {
      // A WAL from before the count was announced answers with pc = 0.
      log::warn("waiting for the WAL to tell its partition count", {{"wal", wal.view.endpoint}, {"error", usable.to_string()}});
      wal.last_waiting_note = now;
    }
    wal.view.answering = false;
    wal.next_ping = now + (wal.count ? kPingAnswered : kPingUntilAnswered);
    changed.notify_all();
    return;
  }
  const uint32_t count = pong->header.partitions;
  const bool news = !wal.count || *wal.count != count || wal.owns_all != !owned.has_value() ||
                    (owned && wal.view.owned != *owned) || !wal.view.answering;
  if (!pong->header.instance.empty()) wal.view.instance = pong->header.instance;
  wal.count = count;
  wal.owns_all = !owned.has_value();
  if (owned) {
    wal.view.owned = std::move(*owned);
  } else {
    wal.view.owned.clear();
    for (uint32_t p = 0; p < count; ++p) wal.view.owned.push_back(p);
  }
  wal.view.answering = true;
  wal.next_ping = now + kPingAnswered;
  if (news) {
    log::info("the WAL's partition count", {{"partitions", count},
                                            {"wal", wal.view.endpoint},
                                            {"instance", wal.view.instance},
                                            {"owned", wal.owns_all ? std::string("all") : pong->header.owned}});
    settle();
    if (Status agrees = check_configured_partitions(who, configured, count); !agrees.is_ok()) {
      log::error("partition count mismatch", {{"error", agrees.message()}});
    }
    log_problem();
  }
  changed.notify_all();
}

Result<uint32_t> WalMap::State::unanswered_count() const {
  std::string waiting;
  for (const WalKnowledge& wal : wals) waiting += (waiting.empty() ? "" : ", ") + wal.view.endpoint;
  return Status(Code::unavailable, who + " has not yet learned the WAL's partition count (is the WAL at " + waiting + " running?)");
}

bool WalMap::State::settled() const {
  bool any_count = false;
  for (const WalKnowledge& wal : wals) {
    if (!wal.asked) return false;
    any_count = any_count || wal.count.has_value();
  }
  return any_count;
}

// With the lock held: the count and each partition's owner from what every WAL said.
void WalMap::State::settle() {
  problem.clear();
  owner_of.clear();
  claimants.clear();
  const WalKnowledge* first = nullptr;
  for (const WalKnowledge& wal : wals) {
    if (!wal.count) continue;
    if (first == nullptr) {
      first = &wal;
    } else if (*wal.count != *first->count) {
      problem = "the WALs disagree on the partition count: " + first->name() + " has " + std::to_string(*first->count) + ", " +
                wal.name() + " has " + std::to_string(*wal.count) + " (every WAL of a deployment must have the same count)";
      count = Status(Code::unavailable, problem);
      return;
    }
  }
  if (first == nullptr) {
    count = unanswered_count();
    return;
  }
  const uint32_t partitions = *first->count;
  count = partitions;
  owner_of.assign(partitions, kNoOwner);
  claimants.assign(partitions, {0, 0});
  for (size_t i = 0; i < wals.size(); ++i) {
    if (!wals[i].count) continue;
    for (uint32_t p : wals[i].view.owned) {
      if (p >= partitions) continue;  // the WAL refuses appends there itself
      if (owner_of[p] == kNoOwner) {
        owner_of[p] = static_cast<int>(i);
        claimants[p].first = i;
      } else if (owner_of[p] >= 0) {
        claimants[p].second = i;
        owner_of[p] = kTwoOwners;
        if (problem.empty()) {
          problem = "partition " + std::to_string(p) + " is claimed by two WALs, " + wals[claimants[p].first].name() + " and " +
                    wals[i].name() + ": give each partition one owner (--owned-partitions); it is unavailable until then";
        }
      }
    }
  }
}

// With the lock held: a configuration error is logged when it appears or
// changes, and again every 10 s while it lasts.
void WalMap::State::log_problem() {
  if (problem.empty()) {
    problem_logged_text.clear();
    return;
  }
  auto now = steady_clock::now();
  if (problem == problem_logged_text && now - problem_logged < kProblemLogInterval) return;
  log::error("the WALs' partitions are misconfigured", {{"error", problem}, {"wals", endpoints_text}});
  problem_logged = now;
  problem_logged_text = problem;
}

WalMap::WalMap(bus::Context& context, std::vector<std::string> endpoints, std::string who, uint32_t configured_partitions,
               size_t max_in_flight)
    : state_(std::make_unique<State>()) {
  State& state = *state_;
  state.who = std::move(who);
  state.configured = configured_partitions;
  for (const std::string& endpoint : endpoints) {
    state.endpoints_text += (state.endpoints_text.empty() ? "" : ",") + endpoint;
    state.clients.push_back(
        std::make_unique<bus::RequestClient>(context, bus::ClientOptions{.endpoint = endpoint, .max_in_flight = max_in_flight}));
    WalKnowledge wal;
    wal.view.endpoint = endpoint;
    state.wals.push_back(std::move(wal));
  }
  state.endpoints = std::move(endpoints);
  state.count = state.unanswered_count();
  state.thread = std::thread([&state] { state.run(); });
}

WalMap::~WalMap() {
  {
    std::lock_guard lock(state_->mutex);
    state_->stopping = true;
  }
  state_->changed.notify_all();
  state_->thread.join();
  // Their I/O threads end here, answering any ping still in flight (ignored: stopping).
  state_->clients.clear();
}

Result<uint32_t> WalMap::State::checked_count() const {
  if (!count) return count;
  if (Status agrees = check_configured_partitions(who, configured, *count); !agrees.is_ok()) return agrees;
  return count;
}

Result<uint32_t> WalMap::count() const {
  std::lock_guard lock(state_->mutex);
  return state_->checked_count();
}

Result<uint32_t> WalMap::wait(std::chrono::milliseconds timeout) const {
  {
    // Every WAL asked once, so the first owner() finds all that are up; a WAL
    // that is down costs its first ping's timeout, once, not every wait.
    std::unique_lock lock(state_->mutex);
    state_->changed.wait_for(lock, timeout, [&] { return state_->settled() || state_->stopping; });
  }
  return count();
}

Result<bus::RequestClient*> WalMap::owner(uint32_t partition) const {
  std::lock_guard lock(state_->mutex);
  const State& state = *state_;
  if (auto partitions = state.checked_count(); !partitions) return partitions.status();
  if (partition >= state.owner_of.size()) {
    return Status(Code::invalid_argument, "partition " + std::to_string(partition) + " is not below the WALs' partition count " +
                                              std::to_string(state.owner_of.size()));
  }
  int owner = state.owner_of[partition];
  if (owner >= 0) return state.clients[static_cast<size_t>(owner)].get();
  if (owner == kTwoOwners) {
    const auto& [a, b] = state.claimants[partition];
    return Status(Code::unavailable, "partition " + std::to_string(partition) + " is claimed by two WALs, " +
                                         state.wals[a].name() + " and " + state.wals[b].name() +
                                         ": give each partition one owner (--owned-partitions)");
  }
  std::string unheard;
  for (const WalKnowledge& wal : state.wals) {
    if (!wal.count) unheard += (unheard.empty() ? "" : ", ") + wal.view.endpoint;
  }
  return Status(Code::unavailable, "no WAL owns partition " + std::to_string(partition) +
                                       (unheard.empty() ? " (--wal-endpoint " + state.endpoints_text + ")"
                                                        : " among those that answered (not yet heard from: " + unheard + ")"));
}

bool WalMap::owner_answering(uint32_t partition) const {
  std::lock_guard lock(state_->mutex);
  const State& state = *state_;
  if (partition >= state.owner_of.size() || state.owner_of[partition] < 0) return false;
  return state.wals[static_cast<size_t>(state.owner_of[partition])].view.answering;
}

std::vector<bus::RequestClient*> WalMap::clients() const {
  std::vector<bus::RequestClient*> all;
  for (const auto& client : state_->clients) all.push_back(client.get());
  return all;
}

std::vector<WalView> WalMap::wals() const {
  std::lock_guard lock(state_->mutex);
  std::vector<WalView> views;
  for (const WalKnowledge& wal : state_->wals) views.push_back(wal.view);
  return views;
}

const std::string& WalMap::endpoints_text() const { return state_->endpoints_text; }

}  // namespace spanline::wal
