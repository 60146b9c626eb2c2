#!/usr/bin/env bash
# Static checks of the compose files (no Docker engine runs here):
#   1. docker-compose (Debian's) accepts each file with .env.example (`config -q`);
#   2. dclint finds no error in them;
#   3. every SPANLINE_ variable a binary reads is documented in compose/.env.example
#      and in README.md, and every SPANLINE_ variable .env.example names is read by
#      a binary or used by a compose file.
# Usage: compose_check.sh SOURCE_DIR BIN_DIR
set -euo pipefail
root=$1; bin=$2
cd "$root"
failed=0
fail() { echo "FAIL: $*"; failed=1; }

command -v docker-compose >/dev/null || { echo "docker-compose is missing: run make deps"; exit 1; }
[[ -x tests/js/node_modules/.bin/dclint ]] || { echo "dclint is missing: run make js"; exit 1; }

docker-compose -f compose/docker-compose.yml --env-file compose/.env.example config -q \
  || fail "docker-compose rejects compose/docker-compose.yml"
docker-compose -f compose/docker-compose.yml -f compose/docker-compose.dev.yml --env-file compose/.env.example config -q \
  || fail "docker-compose rejects compose/docker-compose.dev.yml over the base file"
tests/js/node_modules/.bin/dclint compose/docker-compose.yml compose/docker-compose.dev.yml >/tmp/dclint.$$ 2>&1 \
  || { cat /tmp/dclint.$$; fail "dclint found errors"; }
rm -f /tmp/dclint.$$

read_by_binaries=$(for b in spanline spanline-gateway spanline-wal spanline-auth spanline-indexer spanline-api; do
  "$bin/$b" --print-config-table | grep -o 'SPANLINE_[A-Z0-9_]*'
done | sort -u)
in_env_example=$(grep -o 'SPANLINE_[A-Z0-9_]*' compose/.env.example | sort -u)
used_by_compose=$(grep -ho '\${SPANLINE_[A-Z0-9_]*' compose/docker-compose*.yml | tr -d '${' | sort -u)
for v in $read_by_binaries; do
  grep -qw "$v" compose/.env.example || fail "$v is read by a binary but not documented in compose/.env.example"
  grep -qw "$v" README.md || fail "$v is read by a binary but not documented in README.md"
done
for v in $in_env_example; do
  if ! grep -qxw "$v" <<<"$read_by_binaries" && ! grep -qxw "$v" <<<"$used_by_compose"; then
    fail "$v is in compose/.env.example but no binary reads it and no compose file uses it"
  fi
done
for v in $used_by_compose; do
  grep -qw "$v" compose/.env.example || fail "$v is used by a compose file but not documented in compose/.env.example"
done
(( failed == 0 )) && echo "compose files valid; $(wc -w <<<"$read_by_binaries") variables documented both ways"
exit $failed
