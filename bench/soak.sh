#!/usr/bin/env bash
# Soak: mixed load (90% reads, 10% creates) against the release binary on MariaDB for a
# while, reporting RSS and open database connections at start and end, and the error count.
#   bash bench/soak.sh              # 10 minutes
#   SOAK_SECONDS=60 bash bench/soak.sh
set -euo pipefail
cd "$(dirname "$0")/.."
seconds="${SOAK_SECONDS:-600}"
port=18480
db="board_soak"
command -v wrk >/dev/null || { apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq wrk >/dev/null; }
cargo build --release --locked
mariadb -uroot -e "drop database if exists $db"
DATABASE_URL="mysql://root@127.0.0.1:3306/$db" JWT_SECRET_KEY="soak-secret-soak-secret-soak-secret-0123" \
  HOST=127.0.0.1 PORT=$port RUST_LOG=warn target/release/board >/tmp/board-soak.log 2>&1 &
pid=$!
trap 'kill $pid 2>/dev/null || true; mariadb -uroot -e "drop database if exists $db" || true' EXIT
for _ in $(seq 1 100); do curl -fs "http://127.0.0.1:$port/health/ready" >/dev/null 2>&1 && break; sleep 0.1; done

curl -fs -X POST "http://127.0.0.1:$port/api/user/signup" -H 'Content-Type: application/json' \
  -d '{"email":"soak@example.com","password":"soak-password"}' >/dev/null
token=$(curl -fs -X POST "http://127.0.0.1:$port/api/user/login" -H 'Content-Type: application/json' \
  -d '{"email":"soak@example.com","password":"soak-password"}' | python3 -c 'import json,sys; print(json.load(sys.stdin)["accessToken"])')
post=$(curl -fs -X POST "http://127.0.0.1:$port/api/board" -H 'Content-Type: application/json' -H "Authorization: Bearer $token" \
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
wrk -t2 -c32 -d5s -s "$script" "http://127.0.0.1:$port" >/dev/null
start_rss=$(rss); start_conns=$(conns); start_fds=$(fds)
out=$(wrk -t2 -c32 -d"${seconds}s" --timeout 10s --latency -s "$script" "http://127.0.0.1:$port")
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
