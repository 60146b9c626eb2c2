#!/usr/bin/env bash
# Prints the README's configuration section from the binaries' own option
# tables (--print-config-table), so the README cannot drift from --help.
# Usage: scripts/config-tables.sh BUILD_BIN_DIR
set -euo pipefail
bin=${1:-build/bin}
for stage in spanline spanline-gateway spanline-wal spanline-auth spanline-indexer spanline-api; do
  echo "#### \`$stage\`"
  echo
  "$bin/$stage" --print-config-table
  echo
done
