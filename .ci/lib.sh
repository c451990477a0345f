# Shell helpers shared by CI and the benchmarks: source it, don't run it.
#   . "$(dirname "$0")/../.ci/lib.sh"

# Starts the local MariaDB unless it answers, and waits (60 s at most) until it does.
ensure_mariadb() {
  if ! mariadb-admin -uroot --connect-timeout=2 ping >/dev/null 2>&1; then
    start-stop-daemon --start --oknodo --background --exec /usr/sbin/mariadbd
  fi
  local _
  for _ in $(seq 1 60); do
    mariadb-admin -uroot --connect-timeout=2 ping >/dev/null 2>&1 && return 0
    sleep 1
  done
  echo "MariaDB did not start" >&2
  return 1
}

# MySQL 8.4's default sql_mode: what production (RDS, the compose image) runs.
MYSQL_84_SQL_MODE=ONLY_FULL_GROUP_BY,STRICT_TRANS_TABLES,NO_ZERO_IN_DATE,NO_ZERO_DATE,ERROR_FOR_DIVISION_BY_ZERO,NO_ENGINE_SUBSTITUTION

# set_sql_mode MODE: the local server's global sql_mode, which new connections start from.
set_sql_mode() {
  mariadb -uroot -e "set global sql_mode = '$1'"
}

# A TCP port on 127.0.0.1 that nothing listens on right now.
free_port() {
  python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1]); s.close()'
}

# Polls BASE/health/ready until it answers 200 (PID must stay alive; 20 s at most).
wait_ready() {
  local base=$1 pid=$2 _
  for _ in $(seq 1 200); do
    curl -fs "$base/health/ready" >/dev/null 2>&1 && return 0
    kill -0 "$pid" 2>/dev/null || { echo "the server exited before it was ready" >&2; return 1; }
    sleep 0.1
  done
  echo "the server was not ready after 20 s" >&2
  return 1
}

# start_board BINARY LOG [VAR=VALUE...]: the server on a free port of 127.0.0.1, with the
# given environment; sets BOARD_PID and BOARD_BASE once it is ready.
start_board() {
  local binary=$1 log=$2 port
  shift 2
  port=$(free_port)
  env HOST=127.0.0.1 PORT="$port" "$@" "$binary" >"$log" 2>&1 &
  BOARD_PID=$!
  BOARD_BASE="http://127.0.0.1:$port"
  wait_ready "$BOARD_BASE" "$BOARD_PID"
}

# user_token BASE EMAIL PASSWORD: signs up (an existing account is fine) and prints a token.
user_token() {
  local base=$1 body
  body=$(printf '{"email":"%s","password":"%s"}' "$2" "$3")
  curl -fs -o /dev/null -X POST "$base/api/user/signup" -H 'Content-Type: application/json' -d "$body" || true
  curl -fs -X POST "$base/api/user/login" -H 'Content-Type: application/json' -d "$body" |
    python3 -c 'import json,sys; print(json.load(sys.stdin)["accessToken"])'
}
