#!/usr/bin/env bash
# Contract fuzzing: schemathesis against the running server's own OpenAPI document, every
# check on, authenticated (it signs up, logs in and sends the bearer token), on SQLite and
# on MariaDB. Usage: .ci/schemathesis.sh path/to/board [max-examples]
set -euo pipefail
cd "$(dirname "$0")/.."
bin=$(realpath "$1")
examples="${2:-40}"
venv="${ST_VENV:-$HOME/.cache/board-schemathesis-venv}"
if [ ! -x "$venv/bin/schemathesis" ]; then
  python3 -m venv "$venv"
  "$venv/bin/pip" install -q --disable-pip-version-check 'schemathesis==4.32.5'
fi
work=$(mktemp -d)
port=18690
db="board_st_$$"
trap 'kill $(jobs -p) 2>/dev/null || true; mariadb -uroot -e "drop database if exists $db" || true; rm -rf "$work"' EXIT

for backend in sqlite mysql; do
  case $backend in
    sqlite) url="sqlite://$work/st.db" ;;
    mysql) url="mysql://root@127.0.0.1:3306/$db" ;;
  esac
  DATABASE_URL="$url" JWT_SECRET_KEY="schemathesis-secret-schemathesis-0123" HOST=127.0.0.1 PORT=$port \
    LOGIN_RATE_PER_MINUTE=0 RUST_LOG=warn "$bin" >"$work/server-$backend.log" 2>&1 &
  pid=$!
  for _ in $(seq 1 100); do curl -fs "http://127.0.0.1:$port/health/ready" >/dev/null 2>&1 && break; sleep 0.1; done
  curl -fs -X POST "http://127.0.0.1:$port/api/user/signup" -H 'Content-Type: application/json' \
    -d '{"email":"fuzz@example.com","password":"fuzz-password"}' >/dev/null
  token=$(curl -fs -X POST "http://127.0.0.1:$port/api/user/login" -H 'Content-Type: application/json' \
    -d '{"email":"fuzz@example.com","password":"fuzz-password"}' | python3 -c 'import json,sys; print(json.load(sys.stdin)["accessToken"])')
  echo "---- schemathesis on $backend"
  "$venv/bin/schemathesis" run "http://127.0.0.1:$port/api-docs/openapi.json" \
    --checks all -H "Authorization: Bearer $token" --max-examples "$examples" ${ST_SEED:+--seed "$ST_SEED"} \
    --no-color >"$work/st-$backend.txt" 2>&1 && status=0 || status=$?
  if [ "$status" -eq 0 ]; then tail -n 12 "$work/st-$backend.txt"; else cat "$work/st-$backend.txt"; fi
  kill $pid; wait $pid || true
  if grep -q "panicked" "$work/server-$backend.log"; then echo "server panicked on $backend"; exit 1; fi
  [ "$status" -eq 0 ] || { echo "schemathesis found failures on $backend"; exit 1; }
done
echo "schemathesis: both backends clean"
