# Stand-in for mysql:8.4: Debian 12's MariaDB 10.11 (Debian packages no MySQL) behind an
# entrypoint that honours the official image's MYSQL_* variables and serves TLS.
ARG DEBIAN_IMAGE=board-ci/debian:bookworm
FROM ${DEBIAN_IMAGE}
RUN apt-get update \
    && apt-get install -y --no-install-recommends mariadb-server mariadb-client openssl \
    && rm -rf /var/lib/apt/lists/* /var/lib/mysql \
    && mkdir -p /var/lib/mysql /run/mysqld \
    && chown mysql:mysql /var/lib/mysql /run/mysqld
COPY mysql-entrypoint.sh /usr/local/bin/docker-entrypoint.sh
VOLUME /var/lib/mysql
EXPOSE 3306
ENTRYPOINT ["/usr/local/bin/docker-entrypoint.sh"]
