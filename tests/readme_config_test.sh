#!/usr/bin/env bash
# The README's configuration tables must equal what the binaries print.
set -euo pipefail
root=$1; bin=$2
expected=$("$root/scripts/config-tables.sh" "$bin")
actual=$(sed -n '/<!-- config:begin -->/,/<!-- config:end -->/p' "$root/README.md" | sed '1d;$d')
if [[ "$(echo "$expected" | sed '/^$/d')" != "$(echo "$actual" | sed '/^$/d')" ]]; then
  echo "README.md configuration section is stale; regenerate it with scripts/config-tables.sh:"
  diff <(echo "$expected" | sed '/^$/d') <(echo "$actual" | sed '/^$/d') || true
  exit 1
fi
echo "README configuration tables match the binaries"
