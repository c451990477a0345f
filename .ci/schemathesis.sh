#!/usr/bin/env bash
# Contract fuzzing: schemathesis against the running server's own OpenAPI document, every
# check on (all are by default; .ci/schemathesis.toml tunes two), authenticated as an admin (it signs up, is made an admin, logs in and sends the bearer token), on SQLite and
# on MariaDB. Usage: .ci/schemathesis.sh path/to/board [max-examples]
set -euo pipefail
cd "$(dirname "$0")/.."
. .ci/lib.sh
bin=$(realpath "$1")
examples="${2:-40}"
venv="${ST_VENV:-$HOME/.cache/board-schemathesis-venv}"
if [ ! -x "$venv/bin/schemathesis" ]; then
  python3 -m venv "$venv"
  "$venv/bin/pip" install -q --disable-pip-version-check 'schemathesis==4.32.5'
fi
work=$(mktemp -d)
db="board_st_$$"
trap 'kill $(jobs -p) 2>/dev/null || true; mariadb -uroot -e "drop database if exists $db" || true; rm -rf "$work"' EXIT

for backend in sqlite mysql; do
  case $backend in
    sqlite) url="sqlite://$work/st.db" ;;
    mysql) url="mysql://root@127.0.0.1:3306/$db" ;;
  esac
  start_board "$bin" "$work/server-$backend.log" DATABASE_URL="$url" \
    JWT_SECRET_KEY="schemathesis-secret-schemathesis-0123" LOGIN_RATE_PER_MINUTE=0 RUST_LOG=warn
  pid=$BOARD_PID
  token=$(user_token "$BOARD_BASE" fuzz@example.com fuzz-password)
  # The fuzzing account is an admin (made as the README makes the first one), so that the
  # /api/admin/... routes are exercised past their 403; the role is read on every request.
  env DATABASE_URL="$url" JWT_SECRET_KEY="schemathesis-secret-schemathesis-0123" RUST_LOG=warn \
    "$bin" admin set-role fuzz@example.com admin
  echo "---- schemathesis on $backend"
  # Logout ends the session the token belongs to, so it runs last, on its own (no links lead
  # from it, so without the stateful phase): before it every operation is tried with a live
  # token. The stateful phase follows the document's links: post → comment → reply, edit, delete.
  status=0
  for only in "--exclude-path /api/user/logout" \
    "--include-path /api/user/logout --phases examples,coverage,fuzzing"; do
    # shellcheck disable=SC2086 # $only is two words on purpose
    PYTHONPATH=.ci SCHEMATHESIS_HOOKS=schemathesis_hooks "$venv/bin/schemathesis" \
      --config-file .ci/schemathesis.toml run "$BOARD_BASE/api-docs/openapi.json" $only \
      -H "Authorization: Bearer $token" --max-examples "$examples" ${ST_SEED:+--seed "$ST_SEED"} \
      --no-color >"$work/st-$backend.txt" 2>&1 || status=$?
    if [ "$status" -eq 0 ]; then
      grep -E "API Links|Stateful \(" "$work/st-$backend.txt" || true
      tail -n 12 "$work/st-$backend.txt"
    else
      cat "$work/st-$backend.txt"
      break
    fi
  done
  kill $pid; wait $pid || true
  if grep -q "panicked" "$work/server-$backend.log"; then echo "server panicked on $backend"; exit 1; fi
  [ "$status" -eq 0 ] || { echo "schemathesis found failures on $backend"; exit 1; }
done
echo "schemathesis: both backends clean"
