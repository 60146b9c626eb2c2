#!/usr/bin/env bash
# Starts `spanline up` on a scratch folder and free ports, runs the trace-page
# benchmark in headless Chromium against it, and stops it. Needs `make web`
# (web/dist) and `make js` (playwright-core in tests/e2e).
set -euo pipefail
cd "$(dirname "$0")/../.."
data=$(mktemp -d)
free_port() { python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'; }
api=$(free_port); grpc=$(free_port); http=$(free_port)
./build/bin/spanline up --data-dir "$data" --api-address "127.0.0.1:$api" --grpc-address "127.0.0.1:$grpc" \
  --http-address "127.0.0.1:$http" --web-dir "$PWD/web/dist" --log-level warn >"$data/up.log" 2>&1 &
pid=$!
trap 'kill -TERM $pid 2>/dev/null; wait $pid 2>/dev/null || true; rm -rf "$data"' EXIT
for _ in $(seq 150); do
  [[ $(curl -s -o /dev/null -w '%{http_code}' "127.0.0.1:$api/health") == 200 ]] && break
  sleep 0.2
done
echo "# Web UI: trace page time to interactive, $(nproc) cores"
echo
node bench/web/trace_page_bench.mjs --ui "http://127.0.0.1:$api" --otlp-http "http://127.0.0.1:$http" --dist web/dist
