#!/usr/bin/env bash
# Soak: mixed load (90% reads, 10% creates) against the release binary on MariaDB for a
# while, reporting RSS and open database connections at start and end, and the error count.
#   bash bench/soak.sh              # 10 minutes
#   SOAK_SECONDS=60 bash bench/soak.sh
set -euo pipefail
cd "$(dirname "$0")/.."
. .ci/lib.sh
seconds="${SOAK_SECONDS:-600}"
db="board_soak"
command -v wrk >/dev/null || { apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq wrk >/dev/null; }
ensure_mariadb
cargo build --release --locked
mariadb -uroot -e "drop database if exists $db"
trap 'kill $BOARD_PID 2>/dev/null || true; mariadb -uroot -e "drop database if exists $db" || true' EXIT
start_board target/release/board /tmp/board-soak.log DATABASE_URL="mysql://root@127.0.0.1:3306/$db" \
  JWT_SECRET_KEY="soak-secret-soak-secret-soak-secret-0123" RUST_LOG=warn
pid=$BOARD_PID
base=$BOARD_BASE
token=$(user_token "$base" soak@example.com soak-password)
post=$(curl -fs -X POST "$base/api/board" -H 'Content-Type: application/json' -H "Authorization: Bearer $token" \
  -d '{"title":"soak","content":"soak"}' | python3 -c 'import json,sys; print(json.load(sys.stdin)["board"]["id"])')

rss() { awk '/VmRSS/ {print $2}' "/proc/$pid/status"; }
conns() { mariadb -uroot -N -e "select count(*) from information_schema.processlist where db = '$db'"; }
fds() { ls "/proc/$pid/fd" | wc -l; }
script=$(mktemp --suffix=.lua)
cat > "$script" <<LUA
local n = 0
request = function()
  n = n + 1
  if n % 10 == 0 then
    return wrk.format("POST", "/api/board", {["Content-Type"] = "application/json",
      ["Authorization"] = "Bearer $token"}, '{"title": "soak", "content": "soak content"}')
  elseif n % 2 == 0 then
    return wrk.format("GET", "/api/board/$post")
  else
    return wrk.format("GET", "/api/board/boards?page=1&per_page=20")
  end
end
LUA
# Warm up, then measure the start of the soak.
wrk -t2 -c32 -d5s -s "$script" "$base" >/dev/null
start_rss=$(rss); start_conns=$(conns); start_fds=$(fds)
out=$(wrk -t2 -c32 -d"${seconds}s" --timeout 10s --latency -s "$script" "$base")
sleep 2
end_rss=$(rss); end_conns=$(conns); end_fds=$(fds)
errors=$(echo "$out" | awk '/Non-2xx/ {n+=$NF} /Socket errors/ {gsub(",", ""); n+=$4+$6+$8+$10} END {print n+0}')
echo "$out"
echo
echo "soak: ${seconds}s of 90/10 mixed load at 32 connections"
echo "  RSS:                 start ${start_rss} KiB, end ${end_rss} KiB"
echo "  DB connections:      start ${start_conns}, end ${end_conns}"
echo "  open file handles:   start ${start_fds}, end ${end_fds}"
echo "  errors:              ${errors}"
rm -f "$script"
[ "$errors" -eq 0 ] || { echo "soak: errors seen"; exit 1; }
