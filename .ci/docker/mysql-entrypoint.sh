#!/bin/sh
# The official mysql image's first start, for MariaDB: an empty data directory is initialised
# with MYSQL_ROOT_PASSWORD, MYSQL_DATABASE and MYSQL_USER/MYSQL_PASSWORD by a server that
# listens on no port (so health checks fail until it is done), and a self-signed certificate.
set -eu
datadir=/var/lib/mysql
init_socket=/run/mysqld/init.sock

sql_string() { printf "'%s'" "$(printf '%s' "$1" | sed -e 's/\\/\\\\/g' -e "s/'/\\\\'/g")"; }
sql_name() { printf '`%s`' "$(printf '%s' "$1" | sed -e 's/`/``/g')"; }

MYSQL_84_SQL_MODE=ONLY_FULL_GROUP_BY,STRICT_TRANS_TABLES,NO_ZERO_IN_DATE,NO_ZERO_DATE,ERROR_FOR_DIVISION_BY_ZERO,NO_ENGINE_SUBSTITUTION

if [ ! -d "$datadir/mysql" ]; then
  : "${MYSQL_ROOT_PASSWORD:?the stand-in needs MYSQL_ROOT_PASSWORD}"
  echo "stand-in mysql: initialising $datadir"
  mariadb-install-db --user=mysql --datadir="$datadir" --skip-test-db \
    --auth-root-authentication-method=normal >/dev/null
  openssl req -x509 -newkey rsa:2048 -nodes -days 3650 -subj /CN=board-ci-mysql \
    -keyout "$datadir/server-key.pem" -out "$datadir/server-cert.pem" 2>/dev/null
  chown mysql:mysql "$datadir/server-key.pem" "$datadir/server-cert.pem"
  mariadbd --user=mysql --datadir="$datadir" --skip-networking --socket="$init_socket" &
  init_pid=$!
  until mariadb-admin --socket="$init_socket" -uroot ping --silent 2>/dev/null; do sleep 0.5; done
  root_password=$(sql_string "$MYSQL_ROOT_PASSWORD")
  {
    echo "ALTER USER 'root'@'localhost' IDENTIFIED BY $root_password;"
    echo "CREATE USER 'root'@'%' IDENTIFIED BY $root_password;"
    echo "GRANT ALL ON *.* TO 'root'@'%' WITH GRANT OPTION;"
    if [ -n "${MYSQL_DATABASE:-}" ]; then
      echo "CREATE DATABASE IF NOT EXISTS $(sql_name "$MYSQL_DATABASE");"
    fi
    if [ -n "${MYSQL_USER:-}" ] && [ -n "${MYSQL_PASSWORD:-}" ]; then
      echo "CREATE USER $(sql_string "$MYSQL_USER")@'%' IDENTIFIED BY $(sql_string "$MYSQL_PASSWORD");"
      if [ -n "${MYSQL_DATABASE:-}" ]; then
        echo "GRANT ALL ON $(sql_name "$MYSQL_DATABASE").* TO $(sql_string "$MYSQL_USER")@'%';"
      fi
    fi
    echo "FLUSH PRIVILEGES;"
  } | mariadb --socket="$init_socket" -uroot
  mariadb-admin --socket="$init_socket" -uroot -p"$MYSQL_ROOT_PASSWORD" shutdown
  wait "$init_pid"
  echo "stand-in mysql: initialised"
fi
# mysql:8.4's default sql_mode, which production (the image, RDS) runs; MariaDB's is laxer.
exec mariadbd --user=mysql --datadir="$datadir" --bind-address=0.0.0.0 --port=3306 \
  --sql-mode="$MYSQL_84_SQL_MODE" --ssl-cert="$datadir/server-cert.pem" --ssl-key="$datadir/server-key.pem" "$@"
