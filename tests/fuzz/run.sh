#!/usr/bin/env bash
# Builds the libFuzzer targets in <repo>/build-fuzz (clang, ASan + UBSan) and
# fuzzes each for a while:  bash tests/fuzz/run.sh [seconds per target, default 5]
# For each target: every file in regressions/<target>/ must run clean, then the
# fuzzer runs from corpus/<target>/ (read only) into a fresh temporary corpus.
# Prints one line per target; exits 1 when any target crashed (with the input
# and the sanitizer report), 77 when clang or the libFuzzer runtime is missing.
set -euo pipefail

# `run.sh build` only builds (make test does that before ctest, so the build's
# time does not count against the test's timeout).
seconds="${1:-5}"
build_only=0
if [[ "$seconds" == build ]]; then build_only=1; seconds=0; fi
[[ "$seconds" =~ ^[0-9]+$ ]] || { echo "usage: $0 [seconds-per-target | build]" >&2; exit 2; }
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
repo="$(cd "$here/../.." && pwd)"
build="$repo/build-fuzz"
targets=(fuzz_otlp_gateway fuzz_span_decoder fuzz_log_decoder fuzz_bus_header fuzz_api_query fuzz_jwt fuzz_playground)

# Skip (not fail) where the toolchain cannot build a fuzzer at all.
if ! command -v clang++ >/dev/null 2>&1 || ! command -v clang >/dev/null 2>&1; then
  echo "fuzz: clang/clang++ not found; skipping (scripts/install-deps.sh installs them)"
  exit 77
fi

work="$(mktemp -d "${TMPDIR:-/tmp}/spanline-fuzz.XXXXXX")"
keep_work=0
cleanup() { ((keep_work)) || rm -rf "$work"; }
trap cleanup EXIT
printf 'extern "C" int LLVMFuzzerTestOneInput(const unsigned char*, unsigned long) { return 0; }\n' >"$work/probe.cc"
if ! clang++ -fsanitize=fuzzer,address,undefined "$work/probe.cc" -o "$work/probe" >"$work/probe.log" 2>&1; then
  echo "fuzz: clang++ cannot link a libFuzzer binary (libclang-rt-14-dev missing?); skipping"
  sed 's/^/  /' "$work/probe.log"
  exit 77
fi

if [[ ! -f "$build/CMakeCache.txt" ]]; then
  CC=clang CXX=clang++ cmake -S "$repo" -B "$build" -DSPANLINE_FUZZ=ON -DSPANLINE_TESTS=OFF \
    -DCMAKE_BUILD_TYPE=RelWithDebInfo >"$work/configure.log" 2>&1 ||
    { cat "$work/configure.log"; echo "fuzz: configure failed"; exit 1; }
fi
cmake --build "$build" --target "${targets[@]}" -j2 >"$work/build.log" 2>&1 ||
  { tail -n 60 "$work/build.log"; echo "fuzz: build failed"; exit 1; }
if ((build_only)); then echo "fuzz: targets built in $build"; exit 0; fi

export UBSAN_OPTIONS="print_stacktrace=1:halt_on_error=1${UBSAN_OPTIONS:+:$UBSAN_OPTIONS}"

# Seed folders beyond corpus/<target>: the shared OTLP/JSON examples, read from
# where they live (they are not copied into the project).
extra_seeds() {
  case "$1" in
    fuzz_otlp_gateway) [[ -d "$repo/../shared/fixtures/otlp" ]] && echo "$repo/../shared/fixtures/otlp" ;;
  esac
  return 0
}

stat_of() { sed -n "s/^stat::$1:[[:space:]]*\([0-9]*\).*/\1/p" "$2" | tail -n 1; }

# The sanitizer's or libFuzzer's report from a log, else its end.
report() {
  local found
  found="$(sed -n '/==ERROR\|runtime error\|fuzz property broken\|ERROR: libFuzzer/,$p' "$1" | head -n 80)"
  if [[ -n "$found" ]]; then echo "$found"; else tail -n 40 "$1"; fi | sed 's/^/  /'
}

failed=0
for target in "${targets[@]}"; do
  binary="$build/bin/$target"
  log="$work/$target.log"

  regressions=()
  if [[ -d "$here/regressions/$target" ]]; then
    while IFS= read -r -d '' file; do regressions+=("$file"); done \
      < <(find "$here/regressions/$target" -type f ! -name '*.md' -print0 | sort -z)
  fi
  if ((${#regressions[@]})); then
    if ! "$binary" "${regressions[@]}" >"$log" 2>&1; then
      echo "$target: a regression input crashes again, CRASHED"
      echo "  input: $(sed -n 's/^Running: //p' "$log" | tail -n 1)"
      echo "  log: $log"
      report "$log"
      failed=1
      keep_work=1
      continue
    fi
  fi

  corpus="$work/corpus/$target"
  artifacts="$work/artifacts/$target"
  mkdir -p "$corpus" "$artifacts"
  seeds=("$here/corpus/$target")
  while IFS= read -r dir; do [[ -n "$dir" ]] && seeds+=("$dir"); done < <(extra_seeds "$target")
  set +e
  "$binary" -max_total_time="$seconds" -timeout=25 -print_final_stats=1 \
    -artifact_prefix="$artifacts/" "$corpus" "${seeds[@]}" >"$log" 2>&1
  status=$?
  set -e
  runs="$(stat_of number_of_executed_units "$log")"
  speed="$(stat_of average_exec_per_sec "$log")"
  crash="$(find "$artifacts" -type f | head -n 1)"
  if ((status != 0)) || [[ -n "$crash" ]]; then
    echo "$target: ${runs:-?} runs, ${speed:-?} exec/s, CRASHED (exit $status)"
    [[ -n "$crash" ]] && echo "  input: $crash"
    echo "  log: $log"
    report "$log"
    failed=1
    keep_work=1
  else
    echo "$target: ${runs:-?} runs, ${speed:-?} exec/s, no crash"
  fi
done

if ((failed)); then
  echo "fuzz: crash inputs and logs kept in $work"
  exit 1
fi
