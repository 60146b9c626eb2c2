#pragma once
// What a fuzz target asserts beyond "no crash": a property of the code under
// test that must hold for every input. A broken property aborts, so libFuzzer
// keeps the input as a crash like any sanitizer finding.

#include <cstdio>
#include <cstdlib>

namespace spanline::fuzz {

inline void require(bool holds, const char* property) {
  if (holds) return;
  std::fprintf(stderr, "fuzz property broken: %s\n", property);
  std::abort();
}

}  // namespace spanline::fuzz
