#!/usr/bin/env bash
# The stages as separate hosts: one network namespace per stage (wal, auth,
# gateway, two indexers, api) plus one for the client, joined by veth pairs to a
# bridge in a "switch" namespace. Each host has its own data folder, and every
# bus endpoint is tcp:// with CURVE on (one key from `spanline keygen`), so
# nothing passes between hosts but the bus.
#
#   1. The OpenTelemetry JS SDK, on the client host, exports to the gateway's
#      host; every acknowledged span is found through the api, exactly once.
#   2. While a client keeps exporting, the WAL host's link is cut for 5 s and
#      restored: Exports during the cut fail with UNAVAILABLE (retryable),
#      Exports succeed again afterwards without restarting anything, and every
#      acknowledged span is indexed exactly once.
#
# Needs root (or CAP_NET_ADMIN and CAP_SYS_ADMIN) for `ip netns`; where
# namespaces cannot be made it exits 77, which ctest reports as skipped.
# Usage: multi_host_test.sh SOURCE_DIR BIN_DIR
set -uo pipefail
root=$1; bin=$2
js="$root/tests/js"
SKIP=77

prefix="spl$$"
work=$(mktemp -d /tmp/spanline-multihost.XXXXXX)
namespaces=()
pids=()
failed=0

log() { echo "[multi-host] $*"; }
fail() { echo "[multi-host] FAIL: $*"; failed=1; }

cleanup() {
  for pid in "${pids[@]}"; do kill -TERM "$pid" 2>/dev/null; done
  for _ in $(seq 50); do
    local alive=0
    for pid in "${pids[@]}"; do kill -0 "$pid" 2>/dev/null && alive=1; done
    ((alive)) || break
    sleep 0.1
  done
  for pid in "${pids[@]}"; do kill -KILL "$pid" 2>/dev/null; done
  for ns in "${namespaces[@]}"; do ip netns del "$ns" 2>/dev/null; done
  if ((failed)); then
    for f in "$work"/*.log; do
      [[ -f $f ]] || continue
      echo "----- $(basename "$f") (last 25 lines)"
      tail -n 25 "$f"
    done
  fi
  rm -rf "$work"
}
trap cleanup EXIT

# --- Can this machine make namespaces? Otherwise skip, saying why. ---
if ! command -v ip >/dev/null; then
  echo "SKIPPED: iproute2's ip is not installed (make deps installs it)"; exit $SKIP
fi
if ! probe=$(ip netns add "$prefix-probe" 2>&1); then
  echo "SKIPPED: cannot create network namespaces here (needs root or CAP_NET_ADMIN): $probe"; exit $SKIP
fi
ip netns del "$prefix-probe"
if ! ip netns add "$prefix-sw" 2>/dev/null || ! ip -n "$prefix-sw" link add br0 type bridge 2>/dev/null; then
  ip netns del "$prefix-sw" 2>/dev/null
  echo "SKIPPED: cannot create a bridge inside a network namespace"; exit $SKIP
fi
namespaces+=("$prefix-sw")
ip -n "$prefix-sw" link set br0 up
[[ -d $js/node_modules/@opentelemetry ]] || { echo "FAIL: tests/js has no node_modules: run make js"; exit 1; }

# --- Hosts: name, address. The switch side of host X's link is "<prefix>X". ---
declare -A address=([wal]=10.99.0.1 [auth]=10.99.0.2 [gw]=10.99.0.3 [ixa]=10.99.0.4 [ixb]=10.99.0.5 [api]=10.99.0.6 [cli]=10.99.0.7)
for host in wal auth gw ixa ixb api cli; do
  ns="$prefix-$host"
  ip netns add "$ns" || { fail "ip netns add $ns"; exit 1; }
  namespaces+=("$ns")
  ip -n "$prefix-sw" link add "$prefix$host" type veth peer name eth0 netns "$ns" || { fail "veth for $host"; exit 1; }
  ip -n "$prefix-sw" link set "$prefix$host" master br0 up
  ip -n "$ns" link set lo up
  ip -n "$ns" addr add "${address[$host]}/24" dev eth0
  ip -n "$ns" link set eth0 up
done
log "7 hosts on 10.99.0.0/24 behind a bridge"

# Runs a command on a host, in the background, logging to $work/<name>.log.
on_host() {
  local host=$1 name=$2; shift 2
  ip netns exec "$prefix-$host" "$@" >"$work/$name.log" 2>&1 &
  pids+=($!)
}
on_host_now() { local host=$1; shift; ip netns exec "$prefix-$host" "$@"; }

# --- One bus key, copied into each host's own data folder. ---
"$bin/spanline" keygen --out "$work/bus.key" >/dev/null || { fail "spanline keygen"; exit 1; }
for host in wal auth gw ixa ixb api; do
  mkdir -p "$work/$host"
  cp "$work/bus.key" "$work/$host/bus.key"
done
stats="tcp://${address[api]}:7002"
stage_env() { echo "SPANLINE_CURVE_SECRET_KEY=$work/$1/bus.key"; }

on_host wal wal env "$(stage_env wal)" "$bin/spanline-wal" --data-dir "$work/wal" \
  --wal-endpoint tcp://0.0.0.0:7001 --stats-endpoint "$stats" --instance wal-1
on_host auth auth env "$(stage_env auth)" "$bin/spanline-auth" --data-dir "$work/auth" \
  --auth-endpoint tcp://0.0.0.0:7003 --auth-events-endpoint tcp://0.0.0.0:7004 --stats-endpoint "$stats" \
  --scrypt-log2-n 10
on_host api api env "$(stage_env api)" "$bin/spanline-api" --data-dir "$work/api" --listen 0.0.0.0:1323 \
  --stats-endpoint tcp://0.0.0.0:7002 --auth-endpoint "tcp://${address[auth]}:7003" \
  --auth-events-endpoint "tcp://${address[auth]}:7004" --wal-endpoint "tcp://${address[wal]}:7001" --partitions 4 --web-dir "$work/api/no-ui" \
  --allowed-hosts "${address[api]}"
on_host gw gateway env "$(stage_env gw)" "$bin/spanline-gateway" --data-dir "$work/gw" \
  --grpc-address 0.0.0.0:50051 --http-address "" --partitions 4 --wal-timeout 2s \
  --wal-endpoint "tcp://${address[wal]}:7001" --auth-endpoint "tcp://${address[auth]}:7003" \
  --auth-events-endpoint "tcp://${address[auth]}:7004" --stats-endpoint "$stats"
for ix in ixa:0-1:indexer-a ixb:2-3:indexer-b; do
  IFS=: read -r host parts name <<<"$ix"
  on_host "$host" "$name" env "$(stage_env "$host")" "$bin/spanline-indexer" --data-dir "$work/$host" \
    --partitions "$parts" --instance "$name" --wal-endpoint "tcp://${address[wal]}:7001" --stats-endpoint "$stats" \
    --query-endpoint tcp://0.0.0.0:7010 --query-advertise "tcp://${address[$host]}:7010"
done

api="http://${address[api]}:1323"
healthy=0
for _ in $(seq 150); do
  if on_host_now cli curl -sf -o /dev/null "$api/health"; then healthy=1; break; fi
  sleep 0.2
done
((healthy)) || { fail "the api on its host never saw every stage healthy"; on_host_now cli curl -s "$api/health"; exit 1; }
log "every stage up on its own host; the api sees them all over the bus"

# --- Credentials: the first user through the api, an API key through the bus from the api's host. ---
# From another host, first-user setup needs the one-time token (asked over the bus, as an operator would).
setup_token=$(on_host_now api env "$(stage_env api)" "$bin/spanline" setup-token --auth-endpoint "tcp://${address[auth]}:7003")
cookie=$(on_host_now cli curl -s -D - -o /dev/null -H 'content-type: application/json' \
  -d '{"email":"ops@example.com","password":"multi-host-password","setup_token":"'"$setup_token"'"}' "$api/api/v1/users/first" |
  tr -d '\r' | sed -n 's/^[Ss]et-[Cc]ookie: \(spanline_session=[^;]*\).*/\1/p')
[[ -n $cookie ]] || { fail "first-user setup gave no session cookie"; exit 1; }
api_key=$(on_host_now api env "$(stage_env api)" "$bin/spanline" key create --name multi-host --json \
  --auth-endpoint "tcp://${address[auth]}:7003" | jq -r .key)
[[ $api_key == spl_* ]] || { fail "spanline key create over the bus gave no key"; exit 1; }

send() {  # send <output file> <otel-send options...>
  local out=$1; shift
  on_host_now cli node "$js/otel-send.mjs" --endpoint "http://${address[gw]}:50051" \
    --header "x-junjo-api-key=$api_key" --service multi-host "$@" >"$out" 2>"$out.err"
}
check_indexed() {
  on_host_now cli node "$js/check-indexed.mjs" --api "$api" --cookie "$cookie" --sent "$1" --timeout-ms 60000
}

# --- 1. Spans cross three hosts to reach the index. ---
if send "$work/steady.json" --traces 5 --spans-per-trace 4 --batches 4; then
  result=$(check_indexed "$work/steady.json") || fail "acknowledged spans not indexed exactly once: $result"
  log "steady: $result"
else
  fail "exports failed with every host connected: $(jq -c .errors "$work/steady.json" 2>/dev/null)"
fi

# --- 2. Cut the WAL host's link for 5 s while a client keeps exporting. ---
send "$work/cut.json" --traces 2 --spans-per-trace 3 --duration-ms 22000 --interval-ms 200 &
sender=$!
sleep 4
cut_down=$(date +%s%3N)
ip -n "$prefix-sw" link set "${prefix}wal" down
log "WAL host cut off"
sleep 5
ip -n "$prefix-sw" link set "${prefix}wal" up
cut_up=$(date +%s%3N)
log "WAL host back after $(( (cut_up - cut_down) / 1000 )) s"
wait "$sender"

summary=$(jq -c --argjson down "$cut_down" --argjson up "$cut_up" '{
    exports: (.exports | length),
    acked_spans: (.acked | length),
    failed_during_cut: [.exports[] | select(.ok | not) | select(.at_ms >= $down and .at_ms <= $up)] | length,
    failed_codes: [.exports[] | select(.ok | not) | .code] | unique,
    failed_before_cut: [.exports[] | select(.ok | not) | select(.at_ms < $down - 2500)] | length,
    ok_after_cut: [.exports[] | select(.ok) | select(.at_ms > $up)] | length,
    first_ok_after_cut_ms: ([.exports[] | select(.ok) | select(.at_ms > $up) | .at_ms - $up] | min),
    last_ok: (.exports[-1].ok)
  }' "$work/cut.json") || { fail "no result from the sender: $(cat "$work/cut.json.err")"; exit 1; }
log "during the cut: $summary"
jq -e '.failed_during_cut >= 1' <<<"$summary" >/dev/null || fail "no Export failed while the WAL was unreachable"
jq -e '.failed_codes == [14]' <<<"$summary" >/dev/null ||
  fail "failed Exports must all be UNAVAILABLE (14), which OTLP clients retry: $(jq -c '[.exports[] | select(.ok|not)] | .[0:3]' "$work/cut.json")"
jq -e '.failed_before_cut == 0' <<<"$summary" >/dev/null || fail "Exports failed before the link was cut"
jq -e '.ok_after_cut >= 1 and .last_ok' <<<"$summary" >/dev/null || fail "Exports did not succeed again after the link came back"
result=$(check_indexed "$work/cut.json") || fail "after the cut, acknowledged spans not indexed exactly once: $result"
log "after the cut: $result"

# Nothing but the bus: no stage made a unix socket anywhere in its data folder.
sockets=$(find "$work" -type s | head -5)
[[ -z $sockets ]] || fail "a stage used a unix socket, not the network: $sockets"
grep -l "handshake failed\|different bus key" "$work"/*.log && fail "a bus handshake failed with every host on one key"

((failed)) && exit 1
log "PASS"
exit 0
