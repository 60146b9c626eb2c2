#include "stages/api/query/state_replay.h"

#include <algorithm>
#include <string>

namespace spanline::api {

using json = nlohmann::json;

namespace {

// A replay holds every intermediate state; patches come from clients, and
// RFC 6902 "copy" can double a state with each op, so the states are measured
// and the replay stops past this size rather than exhaust the api's memory.
constexpr size_t kMaxReplayBytes = 64 << 20;

// Applies one patch in place; before each "copy" the copied value is
// measured, and the patch stops (state left as it was before that op) when
// the state would outgrow `budget_bytes`. Returns the step's error, or "".
std::string apply_patch(json& state, const json& patch, size_t state_bytes, size_t budget_bytes) {
  try {
    for (const json& op : patch) {
      if (op.is_object() && op.value("op", "") == "copy") {
        state_bytes += state.at(json::json_pointer(op.at("from").get<std::string>())).dump().size();
        if (state_bytes > budget_bytes) return "patch makes the state larger than the replay limit of 64 MiB";
      }
      state.patch_inplace(json::array({op}));
    }
    return {};
  } catch (const json::exception& e) {
    return std::string("patch does not apply: ") + e.what();
  }
}

}  // namespace

json replay_state_changes(const json& start_state, const json& changes) {
  json state = start_state.is_null() ? json::object() : start_state;
  json steps = json::array();
  size_t state_bytes = state.dump().size();
  size_t replayed_bytes = state_bytes;
  for (const json& change : changes) {
    json step = change;
    if (replayed_bytes > kMaxReplayBytes) {
      step["patch_error"] = "not replayed: the states before it already exceed the replay limit of 64 MiB";
      steps.push_back(std::move(step));
      continue;
    }
    const json& patch = change.contains("patch") ? change["patch"] : json();
    if (patch.is_array()) {
      // A patch that fails part way leaves the ops before the failure applied,
      // so it is applied to a copy and kept only when it applied whole.
      json next = state;
      std::string error = apply_patch(next, patch, state_bytes, kMaxReplayBytes - std::min(replayed_bytes, kMaxReplayBytes));
      if (error.empty()) state = std::move(next);
      else step["patch_error"] = error;
    } else if (!patch.is_null() && !(patch.is_object() && patch.empty())) {
      step["patch_error"] = "patch is not an RFC 6902 array";
    }
    state_bytes = state.dump().size();
    replayed_bytes += state_bytes;
    step["state_after"] = state;
    steps.push_back(std::move(step));
  }
  return steps;
}

}  // namespace spanline::api
