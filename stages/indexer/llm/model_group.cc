#include "stages/indexer/llm/model_group.h"

#include <cctype>

namespace spanline::indexer::llm {
namespace {

bool digits(std::string_view text) {
  if (text.empty()) return false;
  for (char c : text) {
    if (!std::isdigit(static_cast<unsigned char>(c))) return false;
  }
  return true;
}

int number(std::string_view text) {
  int value = 0;
  for (char c : text) value = value * 10 + (c - '0');
  return value;
}

bool plausible_date(std::string_view year, std::string_view month, std::string_view day) {
  if (!digits(year) || !digits(month) || !digits(day)) return false;
  const int y = number(year), m = number(month), d = number(day);
  return y >= 2000 && y <= 2099 && m >= 1 && m <= 12 && d >= 1 && d <= 31;
}

}  // namespace

std::string fold_date_stamp(std::string_view model) {
  // -YYYY-MM-DD: 11 characters.
  if (model.size() > 11 && model[model.size() - 11] == '-' && model[model.size() - 6] == '-' && model[model.size() - 3] == '-') {
    std::string_view stamp = model.substr(model.size() - 10);
    if (plausible_date(stamp.substr(0, 4), stamp.substr(5, 2), stamp.substr(8, 2))) return std::string(model.substr(0, model.size() - 11));
  }
  // -YYYYMMDD or @YYYYMMDD: 9 characters.
  if (model.size() > 9 && (model[model.size() - 9] == '-' || model[model.size() - 9] == '@')) {
    std::string_view stamp = model.substr(model.size() - 8);
    if (plausible_date(stamp.substr(0, 4), stamp.substr(4, 2), stamp.substr(6, 2))) return std::string(model.substr(0, model.size() - 9));
  }
  return std::string(model);
}

std::optional<std::string> model_group(const std::optional<std::string>& request_model,
                                       const std::optional<std::string>& answering_model) {
  if (request_model) return request_model;
  if (answering_model) return fold_date_stamp(*answering_model);
  return std::nullopt;
}

}  // namespace spanline::indexer::llm
