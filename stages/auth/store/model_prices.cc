// meta.sqlite's model price table (MetaStore's price methods): an operator's
// USD prices per million tokens for each LLM model group, kept as a history of
// changes so that a call is priced with what was in effect at its start. Rows
// are only ever added: a change applies from when it was made, and a deletion
// is a row saying "no price from then on".
#include <algorithm>
#include <cmath>

#include "stages/auth/store/meta_store.h"

namespace spanline::auth {

namespace {

Status invalid(const std::string& message) { return Status(Code::invalid_argument, message); }

// A model name is matched exactly against an LLM record's model_group and shown
// in pages and terminals: not empty, bounded, no control characters.
Status check_model(const std::string& model) {
  if (model.empty()) return invalid("field 'model' must not be empty");
  if (model.size() > kModelField.max_bytes) {
    return invalid("field 'model' is longer than " + std::to_string(kModelField.max_bytes) + " bytes");
  }
  for (unsigned char c : model) {
    if (c < 0x20 || c == 0x7F) return invalid("field 'model' must not contain control characters");
  }
  return Status::ok();
}

Status check_amount(std::string_view name, double value) {
  if (!std::isfinite(value) || value < 0 || value > kMaxPricePerMillion) {
    return invalid("field '" + std::string(name) + "' must be a number of USD per million tokens from 0 to " +
                   std::to_string(static_cast<int64_t>(kMaxPricePerMillion)));
  }
  return Status::ok();
}

Status check_price(const ModelPrice& price) {
  if (Status s = check_amount("input_per_million", price.input_per_million); !s.is_ok()) return s;
  if (Status s = check_amount("output_per_million", price.output_per_million); !s.is_ok()) return s;
  if (price.cached_input_per_million) return check_amount("cached_input_per_million", *price.cached_input_per_million);
  return Status::ok();
}

constexpr const char* kChangeColumns =
    "SELECT model, input_per_million, output_per_million, cached_input_per_million, effective_from_ns, changed_by FROM model_prices";

PriceChange read_change(const Statement& row) {
  PriceChange change{row.column_text(0), std::nullopt, row.column_int(4), row.column_text(5)};
  if (!row.column_is_null(1)) {
    change.price = ModelPrice{row.column_double(1), row.column_double(2), std::nullopt};
    if (!row.column_is_null(3)) change.price->cached_input_per_million = row.column_double(3);
  }
  return change;
}

}  // namespace

Result<std::vector<PriceChange>> MetaStore::price_changes() {
  return all_rows(std::string(kChangeColumns) + " ORDER BY model, effective_from_ns, id", read_change);
}

Result<std::optional<PriceChange>> MetaStore::latest_price_change(const std::string& model) {
  auto stmt = db_->prepare(std::string(kChangeColumns) + " WHERE model = ? ORDER BY effective_from_ns DESC, id DESC LIMIT 1");
  if (!stmt) return stmt.status();
  stmt->bind_text(1, model);
  auto row = stmt->step();
  if (!row) return row.status();
  if (!*row) return std::optional<PriceChange>();
  return std::optional<PriceChange>(read_change(*stmt));
}

Result<PriceChange> MetaStore::add_price_change(PriceChange change) {
  auto kept = count("SELECT COUNT(*) FROM model_prices");
  if (!kept) return kept.status();
  if (*kept >= static_cast<int64_t>(kMaxPriceChanges)) {
    return Status(Code::failed_precondition,
                  "the price table keeps at most " + std::to_string(kMaxPriceChanges) + " changes and is full");
  }
  auto insert = db_->prepare(
      "INSERT INTO model_prices(model, input_per_million, output_per_million, cached_input_per_million, effective_from_ns, "
      "changed_by) VALUES(?, ?, ?, ?, ?, ?)");
  if (!insert) return insert.status();
  insert->bind_text(1, change.model).bind(5, change.effective_from_ns).bind_text(6, change.changed_by);
  if (change.price) {
    insert->bind(2, change.price->input_per_million).bind(3, change.price->output_per_million);
    if (change.price->cached_input_per_million) insert->bind(4, *change.price->cached_input_per_million);
    else insert->bind_null(4);
  } else {
    insert->bind_null(2).bind_null(3).bind_null(4);
  }
  if (Status s = insert->run(); !s.is_ok()) return s;
  return change;
}

Result<PriceChange> MetaStore::set_price(const std::string& model, const ModelPrice& price, int64_t now_ns,
                                         const std::string& changed_by) {
  if (Status s = check_model(model); !s.is_ok()) return s;
  if (Status s = check_price(price); !s.is_ok()) return s;
  PriceChange made;
  Status done = in_transaction([&]() -> Status {
    auto latest = latest_price_change(model);
    if (!latest) return latest.status();
    const bool priced = latest->has_value() && (*latest)->price.has_value();
    if (priced && *(*latest)->price == price) {  // nothing changes: no new row
      made = **latest;
      return Status::ok();
    }
    if (!priced) {
      auto models = count(
          "SELECT COUNT(*) FROM model_prices p WHERE p.input_per_million IS NOT NULL AND p.id = "
          "(SELECT q.id FROM model_prices q WHERE q.model = p.model ORDER BY q.effective_from_ns DESC, q.id DESC LIMIT 1)");
      if (!models) return models.status();
      if (*models >= static_cast<int64_t>(kMaxPricedModels)) {
        return Status(Code::failed_precondition, "at most " + std::to_string(kMaxPricedModels) +
                                                     " models may have a price; delete the price of one no longer used first");
      }
    }
    // Changes of one model stay in order even if the clock stepped back.
    const int64_t from = latest->has_value() ? std::max(now_ns, (*latest)->effective_from_ns + 1) : now_ns;
    auto added = add_price_change(PriceChange{model, price, from, changed_by});
    if (!added) return added.status();
    made = std::move(*added);
    return Status::ok();
  });
  if (!done.is_ok()) return done;
  return made;
}

Result<std::optional<PriceChange>> MetaStore::delete_price(const std::string& model, int64_t now_ns, const std::string& changed_by) {
  if (Status s = check_model(model); !s.is_ok()) return s;
  std::optional<PriceChange> made;
  Status done = in_transaction([&]() -> Status {
    auto latest = latest_price_change(model);
    if (!latest) return latest.status();
    if (!latest->has_value() || !(*latest)->price) return Status::ok();
    auto added = add_price_change(PriceChange{model, std::nullopt, std::max(now_ns, (*latest)->effective_from_ns + 1), changed_by});
    if (!added) return added.status();
    made = std::move(*added);
    return Status::ok();
  });
  if (!done.is_ok()) return done;
  return made;
}

}  // namespace spanline::auth
