#pragma once
// How deeply a JSON text nests, found without parsing it. nlohmann::json
// parses any depth without recursion but copies and serializes recursively,
// one stack frame per level, so a small body of nested brackets (a few KB
// once gzipped) overflows the stack of whoever copies or dumps it. JSON from
// the network is checked with this before it is parsed.

#include <string_view>

namespace spanline {

// True when brackets outside strings nest deeper than `max_depth`. Meant for
// valid JSON; for invalid text the answer does not matter (the parse fails).
inline bool json_nests_deeper_than(std::string_view text, int max_depth) {
  int depth = 0;
  bool in_string = false;
  bool escaped = false;
  for (char c : text) {
    if (in_string) {
      if (escaped) escaped = false;
      else if (c == '\\') escaped = true;
      else if (c == '"') in_string = false;
    } else if (c == '"') {
      in_string = true;
    } else if (c == '[' || c == '{') {
      if (++depth > max_depth) return true;
    } else if (c == ']' || c == '}') {
      --depth;
    }
  }
  return false;
}

}  // namespace spanline
