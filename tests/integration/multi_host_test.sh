#!/usr/bin/env bash
# The stages as separate hosts, scaled out: one network namespace per host
# (two WALs, auth, two gateways, three indexers and later a fourth, two apis,
# a client) joined by veth pairs to a bridge in a "switch" namespace. Each
# host has its own data folder, and every bus endpoint is tcp:// with CURVE on
# (one key from `spanline keygen`), so nothing passes between hosts but the
# bus. The log has 8 partitions: wal-1 owns 0-3, wal-2 owns 4-7; the indexers
# join one group and each partition is indexed by R = 2 of them; every stage
# publishes its stats to both apis.
#
#   1. The OpenTelemetry JS SDK, on the client host, exports through both
#      gateways; every acknowledged span is found exactly once through either
#      api, and a session made on one api is valid on the other.
#   2. While a client keeps exporting, wal-1's link is cut for 5 s and
#      restored: Exports during the cut fail with UNAVAILABLE (retryable),
#      Exports succeed again afterwards without restarting anything.
#   3. Under load: an indexer host is killed, then a WAL host; both come back
#      and a fourth indexer host is added. Every acknowledged span is answered
#      exactly once; the only failed Exports are UNAVAILABLE ones while the WAL
#      host is down; the api's answers are never partial (one replica of every
#      partition lives throughout); the fourth host takes its share.
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
declare -A address=([wal1]=10.99.0.1 [wal2]=10.99.0.2 [auth]=10.99.0.3 [gw1]=10.99.0.4 [gw2]=10.99.0.5
  [ixa]=10.99.0.6 [ixb]=10.99.0.7 [ixc]=10.99.0.8 [ixd]=10.99.0.9 [api1]=10.99.0.10 [api2]=10.99.0.11 [cli]=10.99.0.12)
hosts=(wal1 wal2 auth gw1 gw2 ixa ixb ixc ixd api1 api2 cli)
for host in "${hosts[@]}"; do
  ns="$prefix-$host"
  ip netns add "$ns" || { fail "ip netns add $ns"; exit 1; }
  namespaces+=("$ns")
  ip -n "$prefix-sw" link add "$prefix$host" type veth peer name eth0 netns "$ns" || { fail "veth for $host"; exit 1; }
  ip -n "$prefix-sw" link set "$prefix$host" master br0 up
  ip -n "$ns" link set lo up
  ip -n "$ns" addr add "${address[$host]}/24" dev eth0
  ip -n "$ns" link set eth0 up
done
log "${#hosts[@]} hosts on 10.99.0.0/24 behind a bridge"

# Runs a stage on a host, in the background, logging to $work/<name>.log
# (appending: a host brought back keeps its first life's log).
declare -A pid_of=()
on_host() {
  local host=$1 name=$2; shift 2
  ip netns exec "$prefix-$host" "$@" >>"$work/$name.log" 2>&1 &
  pids+=($!)
  pid_of[$name]=$!
}
on_host_now() { local host=$1; shift; ip netns exec "$prefix-$host" "$@"; }
link() { ip -n "$prefix-sw" link set "$prefix$1" "$2"; }

# --- One bus key, copied into each host's own data folder. ---
"$bin/spanline" keygen --out "$work/bus.key" >/dev/null || { fail "spanline keygen"; exit 1; }
for host in "${hosts[@]}"; do
  mkdir -p "$work/$host"
  cp "$work/bus.key" "$work/$host/bus.key"
done
stats="tcp://${address[api1]}:7002,tcp://${address[api2]}:7002"
wals="tcp://${address[wal1]}:7001,tcp://${address[wal2]}:7001"
auth="tcp://${address[auth]}:7003"
auth_events="tcp://${address[auth]}:7004"
stage_env() { echo "SPANLINE_CURVE_SECRET_KEY=$work/$1/bus.key"; }

start_wal() {  # start_wal <host> <instance> <owned partitions>
  on_host "$1" "$2" env "$(stage_env "$1")" "$bin/spanline-wal" --data-dir "$work/$1" --instance "$2" \
    --wal-endpoint tcp://0.0.0.0:7001 --stats-endpoint "$stats" --partitions 8 --owned-partitions "$3" \
    --index-replicas 2
}
start_indexer() {  # start_indexer <host> <instance>: joins the group, no --partitions
  on_host "$1" "$2" env "$(stage_env "$1")" "$bin/spanline-indexer" --data-dir "$work/$1" --instance "$2" \
    --wal-endpoint "$wals" --stats-endpoint "$stats" \
    --query-endpoint tcp://0.0.0.0:7010 --query-advertise "tcp://${address[$1]}:7010"
}
start_wal wal1 wal-1 0-3
start_wal wal2 wal-2 4-7
on_host auth auth env "$(stage_env auth)" "$bin/spanline-auth" --data-dir "$work/auth" \
  --auth-endpoint tcp://0.0.0.0:7003 --auth-events-endpoint tcp://0.0.0.0:7004 --stats-endpoint "$stats" \
  --scrypt-log2-n 10
for host in api1 api2; do
  on_host "$host" "$host" env "$(stage_env "$host")" "$bin/spanline-api" --data-dir "$work/$host" --instance "$host" \
    --listen 0.0.0.0:1323 --stats-endpoint tcp://0.0.0.0:7002 --auth-endpoint "$auth" --auth-events-endpoint "$auth_events" \
    --wal-endpoint "$wals" --web-dir "$work/$host/no-ui" --allowed-hosts "${address[$host]}"
done
for host in gw1 gw2; do
  on_host "$host" "$host" env "$(stage_env "$host")" "$bin/spanline-gateway" --data-dir "$work/$host" --instance "$host" \
    --grpc-address 0.0.0.0:50051 --http-address "" --wal-timeout 2s \
    --wal-endpoint "$wals" --auth-endpoint "$auth" --auth-events-endpoint "$auth_events" --stats-endpoint "$stats"
done
start_indexer ixa indexer-a
start_indexer ixb indexer-b
start_indexer ixc indexer-c

api1="http://${address[api1]}:1323"
api2="http://${address[api2]}:1323"
for api in "$api1" "$api2"; do
  healthy=0
  for _ in $(seq 150); do
    if on_host_now cli curl -sf -o /dev/null "$api/health"; then healthy=1; break; fi
    sleep 0.2
  done
  ((healthy)) || { fail "the api at $api never saw every stage healthy"; on_host_now cli curl -s "$api/health"; exit 1; }
done
log "every stage up on its own host; both apis see them all over the bus"

# --- Credentials: the first user through api-1, an API key through the bus from api-1's host. ---
# From another host, first-user setup needs the one-time token (asked over the bus, as an operator would).
setup_token=$(on_host_now api1 env "$(stage_env api1)" "$bin/spanline" setup-token --auth-endpoint "$auth")
cookie=$(on_host_now cli curl -s -D - -o /dev/null -H 'content-type: application/json' \
  -d '{"email":"ops@example.com","password":"multi-host-password","setup_token":"'"$setup_token"'"}' "$api1/api/v1/users/first" |
  tr -d '\r' | sed -n 's/^[Ss]et-[Cc]ookie: \(spanline_session=[^;]*\).*/\1/p')
[[ -n $cookie ]] || { fail "first-user setup gave no session cookie"; exit 1; }
me=$(on_host_now cli curl -s -H "cookie: $cookie" "$api2/api/v1/auth/me")
[[ $(jq -r .user.email <<<"$me" 2>/dev/null) == ops@example.com ]] || fail "a session made on api-1 is not valid on api-2: $me"
api_key=$(on_host_now api1 env "$(stage_env api1)" "$bin/spanline" key create --name multi-host --json \
  --auth-endpoint "$auth" | jq -r .key)
[[ $api_key == spl_* ]] || { fail "spanline key create over the bus gave no key"; exit 1; }

# Prometheus series of the api's /metrics, e.g. metric spanline_partition_replicas '{partition="0",state="ready"}'.
metrics() { on_host_now cli curl -s -H "cookie: $cookie" "$1/metrics"; }
# Waits until every partition has `want` ready replicas, as api-1 sees the pipeline; prints the owners.
ready_replicas() {
  metrics "$api1" | awk '/^spanline_partition_replicas\{/ && /state="ready"/ {
    match($0, /partition="[0-9]+"/); p = substr($0, RSTART + 11, RLENGTH - 12); n[p] = $NF }
    END { for (p in n) print p, n[p] }'
}
wait_for_ready() {  # wait_for_ready <replicas per partition> <seconds>
  local want=$1 seconds=$2 ok
  for _ in $(seq $((seconds * 5))); do
    ok=$(ready_replicas | awk -v want="$want" '$2 >= want { c++ } END { print c + 0 }')
    ((ok == 8)) && return 0
    sleep 0.2
  done
  return 1
}
wait_for_ready 2 60 || fail "the partitions never had 2 ready replicas each: $(ready_replicas | tr '\n' ' ')"
# The WALs say a replica is ready before its indexer's next stats have told the apis it answers.
wait_for_complete() {  # wait_for_complete <api>
  for _ in $(seq 100); do
    [[ $(on_host_now cli curl -s -H "cookie: $cookie" "$1/api/v1/traces?limit=1" | jq -r .partial 2>/dev/null) == false ]] && return 0
    sleep 0.2
  done
  return 1
}
for api in "$api1" "$api2"; do wait_for_complete "$api" || fail "$api never answered for every partition"; done
log "8 partitions on 2 WALs, each indexed by 2 of 3 indexers"

send() {  # send <gateway host> <output file> <otel-send options...>
  local gateway=$1 out=$2; shift 2
  on_host_now cli node "$js/otel-send.mjs" --endpoint "http://${address[$gateway]}:50051" \
    --header "x-junjo-api-key=$api_key" --service multi-host "$@" >"$out" 2>"$out.err"
}
check_indexed() {  # check_indexed <sent file> [api]
  on_host_now cli node "$js/check-indexed.mjs" --api "${2:-$api1}" --cookie "$cookie" --sent "$1" --timeout-ms 60000 2>&1
}

# --- 1. Spans cross the hosts to reach the index, through either gateway, answered by either api. ---
for gateway in gw1 gw2; do
  if send "$gateway" "$work/steady-$gateway.json" --traces 5 --spans-per-trace 4 --batches 4; then
    result=$(check_indexed "$work/steady-$gateway.json" "$api1") || fail "through $gateway, api-1: acknowledged spans not indexed exactly once: $result"
    result=$(check_indexed "$work/steady-$gateway.json" "$api2") || fail "through $gateway, api-2: acknowledged spans not indexed exactly once: $result"
    log "steady through $gateway: $result"
  else
    fail "exports through $gateway failed with every host connected: $(jq -c .errors "$work/steady-$gateway.json" 2>/dev/null)"
  fi
done

# --- 2. Cut wal-1's link for 5 s while a client keeps exporting. ---
send gw1 "$work/cut.json" --traces 2 --spans-per-trace 3 --duration-ms 22000 --interval-ms 200 &
sender=$!
sleep 4
cut_down=$(date +%s%3N)
link wal1 down
log "wal-1's host cut off"
sleep 5
link wal1 up
cut_up=$(date +%s%3N)
log "wal-1's host back after $(( (cut_up - cut_down) / 1000 )) s"
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
jq -e '.failed_during_cut >= 1' <<<"$summary" >/dev/null || fail "no Export failed while wal-1 was unreachable"
jq -e '.failed_codes == [14]' <<<"$summary" >/dev/null ||
  fail "failed Exports must all be UNAVAILABLE (14), which OTLP clients retry: $(jq -c '[.exports[] | select(.ok|not)] | .[0:3]' "$work/cut.json")"
jq -e '.failed_before_cut == 0' <<<"$summary" >/dev/null || fail "Exports failed before the link was cut"
jq -e '.ok_after_cut >= 1 and .last_ok' <<<"$summary" >/dev/null || fail "Exports did not succeed again after the link came back"
result=$(check_indexed "$work/cut.json") || fail "after the cut, acknowledged spans not indexed exactly once: $result"
log "after the cut: $result"

# --- 3. Kill an indexer host, then a WAL host; bring both back; add a fourth indexer host. ---
stop_file="$work/stop-watching"
for api in api1 api2; do
  on_host cli "watch-$api" node "$js/watch-answers.mjs" --api "http://${address[$api]}:1323" --cookie "$cookie" --service multi-host \
    --out "$work/answers-$api.json" --stop-file "$stop_file"
done
send gw1 "$work/chaos-gw1.json" --traces 2 --spans-per-trace 3 --duration-ms 48000 --interval-ms 150 &
sender1=$!
send gw2 "$work/chaos-gw2.json" --traces 2 --spans-per-trace 3 --duration-ms 48000 --interval-ms 150 &
sender2=$!
sleep 4
kill -KILL "${pid_of[indexer-b]}"; link ixb down
indexer_down=$(date +%s%3N)
log "indexer-b's host is down"
sleep 10
kill -KILL "${pid_of[wal-2]}"; link wal2 down
wal_down=$(date +%s%3N)
log "wal-2's host is down"
sleep 8
link wal2 up; start_wal wal2 wal-2 4-7
wal_up=$(date +%s%3N)
link ixb up; start_indexer ixb indexer-b
log "wal-2's and indexer-b's hosts are back"
sleep 6
start_indexer ixd indexer-d
log "indexer-d's host added"
wait "$sender1" "$sender2"
wait_for_ready 2 90 || fail "after the fourth host, the partitions never had 2 ready replicas each: $(ready_replicas | tr '\n' ' ')"
touch "$stop_file"
for api in api1 api2; do wait "${pid_of[watch-$api]}"; done

for sent in "$work/chaos-gw1.json" "$work/chaos-gw2.json"; do
  summary=$(jq -c --argjson down "$wal_down" --argjson up "$wal_up" '{
      exports: (.exports | length), acked_spans: (.acked | length),
      failed: [.exports[] | select(.ok | not)] | length,
      failed_codes: [.exports[] | select(.ok | not) | .code] | unique,
      failed_outside: [.exports[] | select(.ok | not) | select(.at_ms < $down - 2500 or .at_ms > $up + 8000)] | length
    }' "$sent") || { fail "no result from the sender: $(cat "$sent.err")"; exit 1; }
  log "$(basename "$sent"): $summary"
  jq -e '.acked_spans > 0 and (.failed_codes == [] or .failed_codes == [14])' <<<"$summary" >/dev/null ||
    fail "failed Exports must all be UNAVAILABLE (14): $(jq -c '[.exports[] | select(.ok|not)] | .[0:3]' "$sent")"
  jq -e '.failed_outside == 0' <<<"$summary" >/dev/null ||
    fail "Exports failed while every WAL was up: $(jq -c --argjson down "$wal_down" '[.exports[] | select(.ok|not) | select(.at_ms < $down - 2500)] | .[0:3]' "$sent")"
  result=$(check_indexed "$sent" "$api2") || fail "after the kills, acknowledged spans not indexed exactly once: $result"
  log "$(basename "$sent") indexed: $result"
done
for api in api1 api2; do
  answers=$(jq -c --argjson k "$indexer_down" '{
      answers: (.answers | length),
      partial: [.answers[] | select(.partial == true)] | length,
      failed: [.answers[] | select(.status != 200)] | length,
      first_partial: ([.answers[] | select(.partial == true or .status != 200)] | .[0:3]),
      slowest_ms: ([.answers[] | .ms] | max)
    }' "$work/answers-$api.json") || { fail "no answers recorded from $api"; continue; }
  log "$api answers while hosts came and went: $answers"
  jq -e '.answers >= 20 and .partial == 0 and .failed == 0' <<<"$answers" >/dev/null ||
    fail "$api gave partial or failed answers while one replica of every partition lived"
done
held=$(on_host_now cli curl -s -H "cookie: $cookie" "$api1/api/v1/pipeline" |
  jq '[.partitions[].replicas[] | select(.instance == "indexer-d" and .state == "ready")] | length')
log "indexer-d holds $held ready replicas"
((held >= 3)) || fail "the fourth indexer host took $held partitions, not its share (16 replicas / 4 hosts = 4)"
grep -h '"msg":"partition' "$work"/indexer-*.log "$work"/wal-*.log | head -40 > "$work/moves.txt"

# Nothing but the bus: no stage made a unix socket anywhere in its data folder.
sockets=$(find "$work" -type s | head -5)
[[ -z $sockets ]] || fail "a stage used a unix socket, not the network: $sockets"
grep -l "handshake failed\|different bus key" "$work"/*.log && fail "a bus handshake failed with every host on one key"

((failed)) && exit 1
log "PASS"
exit 0
