#include "stages/api/playground/providers/sse_reader.h"

namespace spanline::api::playground {

void SseReader::feed(std::string_view bytes, std::vector<SseEvent>& out) {
  for (const char c : bytes) {
    if (skip_lf_) {
      skip_lf_ = false;
      if (c == '\n') continue;
    }
    if (c == '\r' || c == '\n') {
      skip_lf_ = c == '\r';
      take_line(out);
      continue;
    }
    line_.push_back(c);
    if (at_start_ && line_.size() == 3) {
      if (line_ == "\xEF\xBB\xBF") line_.clear();
      at_start_ = false;
    }
  }
}

void SseReader::take_line(std::vector<SseEvent>& out) {
  at_start_ = false;
  const std::string_view line = line_;
  struct ClearLine {
    std::string& line;
    ~ClearLine() { line.clear(); }
  } clear{line_};
  if (line.empty()) {
    if (has_data_) {
      if (pending_.event.empty()) pending_.event = "message";
      out.push_back(std::move(pending_));
    }
    pending_ = SseEvent{};
    has_fields_ = has_data_ = false;
    return;
  }
  has_fields_ = true;
  if (line.front() == ':') return;  // a comment
  const size_t colon = line.find(':');
  const std::string_view field = line.substr(0, colon);
  std::string_view value;
  if (colon != std::string_view::npos) {
    value = line.substr(colon + 1);
    if (!value.empty() && value.front() == ' ') value.remove_prefix(1);
  }
  if (field == "event") {
    pending_.event = value;
  } else if (field == "data") {
    if (has_data_) pending_.data.push_back('\n');
    pending_.data.append(value);
    has_data_ = true;
  }
}

}  // namespace spanline::api::playground
