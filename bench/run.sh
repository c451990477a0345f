#!/usr/bin/env bash
# One command: installs what the benchmark needs (wrk, sysbench, a venv with the original
# service's requirements), builds the release binary, and runs bench/run.py, which races this
# server against the original Flask service on the same MariaDB and prints the table.
#   bash bench/run.sh            # full run (about 15 minutes)
#   QUICK=1 bash bench/run.sh    # 1 run per scenario, short durations (a smoke test)
#   bash bench/run.sh --compare OLD_BINARY   # an earlier build against this one (~10 minutes)
#   bash bench/run.sh --scale-only           # only the list at 1K, 100K and 1M posts
#   bash bench/run.sh --comments-only        # only page 1 of a post with 10 and 10,000 comments
set -euo pipefail
cd "$(dirname "$0")/.."
. .ci/lib.sh
original="${ORIGINAL_DIR:-bench/original}"
venv="${BENCH_VENV:-$HOME/.cache/board-bench-venv}"

if ! command -v wrk >/dev/null 2>&1 || ! command -v sysbench >/dev/null 2>&1; then
  apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq wrk sysbench >/dev/null
fi
if [ ! -x "$venv/bin/gunicorn" ]; then
  python3 -m venv "$venv"
  "$venv/bin/pip" install -q --disable-pip-version-check -r "$original/requirements.txt"
fi
ensure_mariadb
cargo build --release --locked
exec python3 bench/run.py --original "$original" --venv "$venv" --binary target/release/board "$@"
