#include "stages/api/directory/pipeline_health.h"

#include <cmath>
#include <cstdio>
#include <map>

#include "protocol/stage_stats.h"
#include "stages/api/routes/pipeline_routes.h"

namespace spanline::api {
namespace {

std::string fixed(double value, int decimals) {
  char text[64];
  std::snprintf(text, sizeof text, "%.*f", decimals, value);
  return text;
}

void add_stage_down(const std::vector<InstanceView>& instances, const HealthThresholds& t, std::vector<HealthCondition>& out) {
  struct Heard {
    bool alive = false;
    bool seen = false;
    std::chrono::milliseconds least_silent = std::chrono::milliseconds::max();
  };
  std::map<std::string, Heard> by_stage;
  for (const InstanceView& view : instances) {
    Heard& heard = by_stage[view.stage];
    heard.seen = true;
    heard.alive = heard.alive || view.silent_for <= t.stage_timeout;
    heard.least_silent = std::min(heard.least_silent, view.silent_for);
  }
  for (const std::string& stage : t.required_stages) {
    const Heard& heard = by_stage[stage];
    if (heard.alive) continue;
    HealthCondition c{.kind = "stage_down", .severity = "error", .stage = stage};
    c.threshold = static_cast<double>(t.stage_timeout.count()) / 1000.0;
    if (heard.seen) {
      c.value = static_cast<double>(heard.least_silent.count()) / 1000.0;
      c.message = stage + " is down: last heard " + fixed(c.value, 0) + " s ago";
    } else {
      c.message = stage + " is down: never heard since the api started";
    }
    out.push_back(std::move(c));
  }
}

void add_index_lag(const InstanceView& view, const HealthThresholds& t, std::vector<HealthCondition>& out) {
  const double warn = static_cast<double>(t.lag_warn.count()) / 1000.0;
  for (const auto& [name, seconds] : view.latest.gauges) {
    MetricName metric = metric_name(name);
    if (metric.name != stats_names::kIndexerLagSeconds || metric.partition.empty() || !(seconds > warn)) continue;
    HealthCondition c{.kind = "index_lag", .severity = "warning", .stage = view.stage, .instance = view.instance};
    c.partition = static_cast<uint32_t>(std::stoul(metric.partition));
    c.value = seconds;
    c.threshold = warn;
    c.message = "indexing of partition " + metric.partition + " (" + view.instance + ") is " + fixed(seconds, 0) +
                " s behind (warning past " + fixed(warn, 0) + " s)";
    out.push_back(std::move(c));
  }
}

void add_wal_disk(const InstanceView& view, const HealthThresholds& t, std::vector<HealthCondition>& out) {
  auto used = view.latest.gauges.find(std::string(stats_names::kWalDiskBytes));
  auto budget = view.latest.gauges.find(std::string(stats_names::kWalDiskBudgetBytes));
  if (used == view.latest.gauges.end() || budget == view.latest.gauges.end() || !(budget->second > 0)) return;
  const double fraction = used->second / budget->second;
  if (fraction < t.wal_disk_warn_fraction) return;
  HealthCondition c{.kind = "wal_disk", .severity = "warning", .stage = view.stage, .instance = view.instance};
  c.value = fraction;
  c.threshold = t.wal_disk_warn_fraction;
  c.message = "the WAL's disk (" + view.instance + ") is at " + fixed(fraction * 100, 0) + "% of its budget (warning from " +
              fixed(t.wal_disk_warn_fraction * 100, 0) + "%; appends are refused at 100%)";
  out.push_back(std::move(c));
}

}  // namespace

std::string_view instance_state(std::chrono::milliseconds silent_for, std::chrono::milliseconds stage_timeout) {
  if (silent_for > stage_timeout) return "down";
  if (silent_for > kStaleAfter) return "stale";
  return "up";
}

std::vector<HealthCondition> pipeline_conditions(const std::vector<InstanceView>& instances, const HealthThresholds& thresholds) {
  std::vector<HealthCondition> out;
  add_stage_down(instances, thresholds, out);
  for (const InstanceView& view : instances) {
    // A silent instance's last figures are old news: only live ones are judged.
    if (view.silent_for > thresholds.stage_timeout) continue;
    add_index_lag(view, thresholds, out);
    add_wal_disk(view, thresholds, out);
  }
  return out;
}

bool any_error(const std::vector<HealthCondition>& conditions) {
  for (const HealthCondition& c : conditions) {
    if (c.severity == "error") return true;
  }
  return false;
}

}  // namespace spanline::api
