// The price family of auth ops: the model price table an operator edits
// (Settings, PUT/DELETE /api/v1/llm/prices/{model}, through the api). Anyone on
// the bus reads it (the api prices LLM calls with it); only an admin, or the
// operator, changes it. Each change is a new row effective from now on.
#include "base/clock.h"
#include "base/log.h"
#include "stages/auth/responder/auth_service.h"
#include "stages/auth/responder/op_support.h"

namespace spanline::auth {

Result<PriceList> AuthService::list_prices(const ListPrices&) {
  auto changes = store_->price_changes();
  if (!changes) return changes.status();
  return PriceList{std::move(*changes)};
}

Result<PriceChange> AuthService::set_price(const SetPrice& request) {
  auto actor = admin_of(request.asker, "change model prices");
  if (!actor) return actor.status();
  auto change = store_->set_price(request.model, request.price, unix_nanos_now(), actor->name());
  if (!change) return change.status();
  log::info("model price set", {{"model", request.model}});
  return change;
}

Result<PriceChange> AuthService::delete_price(const DeletePrice& request) {
  auto actor = admin_of(request.asker, "change model prices");
  if (!actor) return actor.status();
  auto change = store_->delete_price(request.model, unix_nanos_now(), actor->name());
  if (!change) return change.status();
  if (!change->has_value()) return Status(Code::not_found, "model '" + request.model + "' has no price");
  log::info("model price deleted", {{"model", request.model}});
  return **change;
}

}  // namespace spanline::auth
