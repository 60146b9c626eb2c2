#pragma once
// A Junjo workflow run's state after each step: RFC 6902 patches applied in
// order to the start state. A patch that does not apply is reported on its
// step and the state carries on unchanged; the replay stops growing past
// 64 MiB of states (patches come from clients, and "copy" can double a state
// with each op).

#include <nlohmann/json.hpp>

namespace spanline::api {

nlohmann::json replay_state_changes(const nlohmann::json& start_state, const nlohmann::json& changes);

}  // namespace spanline::api
