#include "stages/api/routes/pipeline_routes.h"

#include <map>
#include <sstream>

#include "protocol/stage_stats.h"
#include "stages/api/directory/partition_map.h"
#include "stages/api/directory/pipeline_health.h"
#include "stages/api/http/query_params.h"

namespace spanline::api {
namespace {

bool is_alive(const InstanceView& view, std::chrono::milliseconds timeout) { return view.silent_for <= timeout; }

// Whether `authorization` is "Bearer <token>"; the token compared in time independent of where it differs.
bool bearer_matches(const std::string& authorization, const std::string& token) {
  constexpr std::string_view kScheme = "bearer ";
  if (authorization.size() < kScheme.size()) return false;
  for (size_t i = 0; i < kScheme.size(); ++i) {
    char c = authorization[i];
    if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
    if (c != kScheme[i]) return false;
  }
  std::string_view given = std::string_view(authorization).substr(kScheme.size());
  unsigned char differs = given.size() == token.size() ? 0 : 1;
  for (size_t i = 0; i < token.size(); ++i) {
    differs |= static_cast<unsigned char>(token[i] ^ (i < given.size() ? given[i] : 0));
  }
  return differs == 0;
}

std::string sanitize(const std::string& text) {
  std::string out;
  for (char c : text) {
    bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_';
    out += ok ? c : '_';
  }
  if (out.empty() || (out[0] >= '0' && out[0] <= '9')) out.insert(out.begin(), '_');
  return out;
}

std::string label_value(const std::string& text) {
  std::string out;
  for (char c : text) {
    if (c == '\\' || c == '"') out += '\\';
    if (c == '\n') {
      out += "\\n";
      continue;
    }
    out += c;
  }
  return out;
}

std::string format_number(double value) {
  std::ostringstream out;
  out.precision(17);
  out << value;
  return out.str();
}

// Per-second rate of a counter over the last `window` samples of the history.
double rate_of(const std::deque<StatsSample>& history, const std::string& counter, size_t window) {
  if (history.size() < 2) return 0;
  const StatsSample& last = history.back();
  const StatsSample& first = history[history.size() - std::min(window + 1, history.size())];
  auto a = first.counters.find(counter), b = last.counters.find(counter);
  if (a == first.counters.end() || b == last.counters.end() || last.unix_ms <= first.unix_ms || b->second < a->second) return 0;
  return static_cast<double>(b->second - a->second) * 1000.0 / static_cast<double>(last.unix_ms - first.unix_ms);
}

json conditions_json(const std::vector<HealthCondition>& conditions) {
  json out = json::array();
  for (const HealthCondition& c : conditions) {
    json entry = {{"kind", c.kind},   {"severity", c.severity}, {"stage", c.stage},     {"instance", c.instance},
                  {"value", c.value}, {"threshold", c.threshold}, {"message", c.message}};
    entry["partition"] = c.partition ? json(*c.partition) : json();
    out.push_back(std::move(entry));
  }
  return out;
}

// Where each gateway listens, as it announces it: exporter snippets are built from these.
json gateways_json(const std::vector<InstanceView>& views, std::chrono::milliseconds timeout) {
  json out = json::array();
  for (const InstanceView& view : views) {
    if (view.stage != "gateway") continue;
    auto field = [&](std::string_view key) {
      auto found = view.latest.info.find(std::string(key));
      return found == view.latest.info.end() ? json() : json(found->second);
    };
    out.push_back({{"instance", view.instance},
                   {"alive", is_alive(view, timeout)},
                   {"grpc_address", field(stats_names::kGatewayGrpcAddress)},
                   {"http_address", field(stats_names::kGatewayHttpAddress)}});
  }
  return out;
}

template <typename T>
json optional_json(const std::optional<T>& value) {
  return value ? json(*value) : json();
}

// Per partition its owning WAL, epoch, head, moves and replicas (partition_map.h).
json partitions_json(const std::vector<PartitionStatus>& statuses) {
  json out = json::array();
  for (const PartitionStatus& status : statuses) {
    json replicas = json::array();
    for (const ReplicaStatus& replica : status.replicas) {
      replicas.push_back({{"instance", replica.instance},
                          {"state", replica.state},
                          {"alive", replica.alive},
                          {"lag_seconds", optional_json(replica.lag_seconds)},
                          {"committed", optional_json(replica.committed)}});
    }
    out.push_back({{"partition", status.partition},
                   {"wal", optional_json(status.wal)},
                   {"epoch", optional_json(status.epoch)},
                   {"head", optional_json(status.head)},
                   {"moves", optional_json(status.moves)},
                   {"replicas", std::move(replicas)}});
  }
  return out;
}

// Counter columns of samples (time, then one array per counter), as the charts read them.
json columns(const std::deque<StatsSample>& samples, size_t first, const std::map<std::string, uint64_t>& names, bool with_gauges,
             const std::map<std::string, double>& gauge_names) {
  json times = json::array(), counters = json::object(), gauges = json::object();
  for (size_t i = first; i < samples.size(); ++i) {
    const StatsSample& sample = samples[i];
    times.push_back(sample.unix_ms);
    for (const auto& [name, value] : names) {
      auto found = sample.counters.find(name);
      counters[name].push_back(found == sample.counters.end() ? json() : json(found->second));
    }
    if (!with_gauges) continue;
    for (const auto& [name, value] : gauge_names) {
      auto found = sample.gauges.find(name);
      gauges[name].push_back(found == sample.gauges.end() ? json() : json(found->second));
    }
  }
  json out = {{"unix_ms", times}, {"counters", counters}};
  if (with_gauges) out["gauges"] = gauges;
  return out;
}

}  // namespace

MetricName metric_name(const std::string& stats_name) {
  MetricName result{stats_name, ""};
  auto dot = stats_name.rfind(".p");
  if (dot != std::string::npos && dot + 2 < stats_name.size() &&
      stats_name.find_first_not_of("0123456789", dot + 2) == std::string::npos) {
    result.name = stats_name.substr(0, dot);
    result.partition = stats_name.substr(dot + 2);
  }
  result.name = sanitize(result.name);
  return result;
}

PipelineRoutes::PipelineRoutes(const ApiConfig& config, const StageDirectory& directory) : config_(config), directory_(directory) {
  std::string list = config.required_stages;
  for (size_t begin = 0; begin < list.size();) {
    size_t end = list.find(',', begin);
    if (end == std::string::npos) end = list.size();
    if (end > begin) required_.push_back(list.substr(begin, end - begin));
    begin = end + 1;
  }
  thresholds_ = {.stage_timeout = config.stage_timeout,
                 .lag_warn = config.health_lag_warn,
                 .wal_disk_warn_fraction = config.wal_disk_warn_fraction,
                 .required_stages = required_};
}

bool PipelineRoutes::may_see_details(const ApiRequest& request) const {
  return config_.metrics_token.empty() || bearer_matches(request.authorization, config_.metrics_token);
}

ApiReply PipelineRoutes::health(const ApiRequest& request) {
  if (Status s = QueryParams(request.query).only({}); !s.is_ok()) return error_reply(s);
  const bool details = may_see_details(request);
  json stages = json::array();
  std::map<std::string, bool> alive_by_stage;
  const std::vector<InstanceView> views = directory_.instances(false);
  for (const InstanceView& view : views) {
    bool alive = is_alive(view, config_.stage_timeout);
    alive_by_stage[view.stage] = alive_by_stage[view.stage] || alive;
    stages.push_back({{"stage", view.stage},
                      {"instance", view.instance},
                      {"pid", view.pid},
                      {"last_seen_unix_ms", view.last_seen_unix_ms},
                      {"silent_ms", view.silent_for.count()},
                      {"alive", alive}});
  }
  json down = json::array();
  for (const std::string& stage : required_) {
    if (!alive_by_stage[stage]) down.push_back(stage);
  }
  json body = {{"status", down.empty() ? "ok" : "unavailable"}};
  // Without the metrics token, a load balancer learns whether to send traffic, not what runs where.
  if (details) {
    body["stages"] = stages;
    body["required_stages_down"] = down;
    body["conditions"] = conditions_json(pipeline_conditions(views, thresholds_));
  }
  return json_reply(body, down.empty() ? 200 : 503);
}

ApiReply PipelineRoutes::pipeline(const ApiRequest& request) {
  QueryParams params(request.query);
  if (Status s = params.only({"history"}); !s.is_ok()) return error_reply(s);
  auto history_seconds = params.integer("history", 0, 600);
  if (!history_seconds) return error_reply(history_seconds.status());
  const size_t keep = static_cast<size_t>(history_seconds->value_or(600));
  const std::vector<InstanceView> views = directory_.instances(true);
  json instances = json::array();
  for (const InstanceView& view : views) {
    json rates = json::object();
    for (const auto& [name, value] : view.latest.counters) rates[name] = rate_of(view.history, name, 10);
    json entry = {{"stage", view.stage},
                  {"instance", view.instance},
                  {"pid", view.pid},
                  {"alive", is_alive(view, config_.stage_timeout)},
                  {"state", std::string(instance_state(view.silent_for, config_.stage_timeout))},
                  {"last_seen_unix_ms", view.last_seen_unix_ms},
                  {"silent_ms", view.silent_for.count()},
                  {"info", view.latest.info},
                  {"counters", view.latest.counters},
                  {"gauges", view.latest.gauges},
                  {"rates_per_second", rates}};
    // With history=0 (the banner's poll) the answer stays small: no columns at all.
    if (keep > 0) {
      size_t first = view.history.size() > keep ? view.history.size() - keep : 0;
      entry["history"] = columns(view.history, first, view.latest.counters, true, view.latest.gauges);
      entry["hour"] = columns(view.minutes, 0, view.latest.counters, false, {});
    }
    instances.push_back(std::move(entry));
  }
  std::vector<HealthCondition> conditions = pipeline_conditions(views, thresholds_);
  const char* status = any_error(conditions) ? "unavailable" : conditions.empty() ? "ok" : "warning";
  return json_reply({{"instances", instances},
                     {"stage_timeout_ms", config_.stage_timeout.count()},
                     {"status", status},
                     {"conditions", conditions_json(conditions)},
                     {"thresholds",
                      {{"lag_warn_seconds", static_cast<double>(config_.health_lag_warn.count()) / 1000.0},
                       {"wal_disk_warn_fraction", config_.wal_disk_warn_fraction}}},
                     {"gateways", gateways_json(views, config_.stage_timeout)},
                     {"partitions", partitions_json(partition_statuses(views, config_.stage_timeout))}});
}

ApiReply PipelineRoutes::metrics(const ApiRequest& request) {
  if (!may_see_details(request)) {
    ApiReply refused = error_reply(401, "unauthenticated", "/metrics needs Authorization: Bearer <the api's --metrics-token>");
    refused.www_authenticate = "Bearer realm=\"spanline-metrics\"";
    return refused;
  }
  if (Status s = QueryParams(request.query).only({}); !s.is_ok()) return error_reply(s);
  struct Sample {
    std::string labels;
    double value;
  };
  struct Family {
    std::string type, help;
    std::vector<Sample> samples;
  };
  std::map<std::string, Family> families;
  auto add = [&](const std::string& name, const char* type, const std::string& help, std::string labels, double value) {
    Family& family = families[name];
    family.type = type;
    family.help = help;
    family.samples.push_back({std::move(labels), value});
  };
  const std::vector<InstanceView> views = directory_.instances(false);
  for (const InstanceView& view : views) {
    const std::string base = "stage=\"" + label_value(view.stage) + "\",instance=\"" + label_value(view.instance) + "\"";
    add("spanline_up", "gauge", "1 when the stage instance published stats within the stage timeout.", "{" + base + "}",
        is_alive(view, config_.stage_timeout) ? 1 : 0);
    add("spanline_last_seen_seconds", "gauge", "Unix time of the stage instance's latest stats.", "{" + base + "}",
        static_cast<double>(view.last_seen_unix_ms) / 1000.0);
    const std::string stage = sanitize(view.stage);
    for (const auto& [raw, value] : view.latest.counters) {
      MetricName m = metric_name(raw);
      std::string labels = "{" + base + (m.partition.empty() ? "" : ",partition=\"" + m.partition + "\"") + "}";
      add("spanline_" + stage + "_" + m.name + "_total", "counter", "Counter " + m.name + " of the " + view.stage + " stage.", labels,
          static_cast<double>(value));
    }
    for (const auto& [raw, value] : view.latest.gauges) {
      MetricName m = metric_name(raw);
      std::string labels = "{" + base + (m.partition.empty() ? "" : ",partition=\"" + m.partition + "\"") + "}";
      add("spanline_" + stage + "_" + m.name, "gauge", "Gauge " + m.name + " of the " + view.stage + " stage.", labels, value);
    }
  }
  for (const PartitionStatus& status : partition_statuses(views, config_.stage_timeout)) {
    const std::string partition = "partition=\"" + std::to_string(status.partition) + "\"";
    if (status.wal) {
      add("spanline_partition_owner_info", "gauge", "1 for the WAL that owns the partition.",
          "{" + partition + ",wal=\"" + label_value(*status.wal) + "\"}", 1);
    }
    if (status.moves) {
      add("spanline_partition_moves_total", "counter", "Replicas the owning WAL added to the partition after its first assignment.",
          "{" + partition + "}", static_cast<double>(*status.moves));
    }
    if (status.epoch) {
      add("spanline_partition_epoch", "gauge", "The partition's assignment epoch at its owning WAL (bumped by every replica change).",
          "{" + partition + "}", static_cast<double>(*status.epoch));
    }
    std::map<std::string, int> by_state{{"ready", 0}, {"leaving", 0}, {"building", 0}};
    for (const ReplicaStatus& replica : status.replicas) {
      ++by_state[replica.state];
      const std::string labels = "{" + partition + ",instance=\"" + label_value(replica.instance) + "\"}";
      if (replica.lag_seconds) {
        add("spanline_partition_lag_seconds", "gauge", "How far a replica's index of the partition is behind the WAL.", labels, *replica.lag_seconds);
      }
      if (replica.committed) {
        add("spanline_partition_committed_sequence", "gauge", "The last WAL sequence a replica committed, as its owning WAL saw it.", labels,
            static_cast<double>(*replica.committed));
      }
    }
    for (const auto& [state, count] : by_state) {
      add("spanline_partition_replicas", "gauge", "Replicas of the partition by state (building, ready, leaving).",
          "{" + partition + ",state=\"" + label_value(state) + "\"}", count);
    }
  }
  std::string text;
  for (const auto& [name, family] : families) {
    text += "# HELP " + name + " " + family.help + "\n# TYPE " + name + " " + family.type + "\n";
    for (const Sample& sample : family.samples) text += name + sample.labels + " " + format_number(sample.value) + "\n";
  }
  ApiReply reply;
  reply.content_type = "text/plain; version=0.0.4; charset=utf-8";
  reply.body = std::move(text);
  return reply;
}

}  // namespace spanline::api
