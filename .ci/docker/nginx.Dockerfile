# Stand-in for nginxinc/nginx-unprivileged:1.27-alpine: Debian 12's nginx (1.22) run as
# user nginx (uid 101) on port 8080, with its pid and temp files under /tmp, logs to the
# container's stdout/stderr, and wget for health checks (busybox has it in the real image).
ARG DEBIAN_IMAGE=board-ci/debian:bookworm
FROM ${DEBIAN_IMAGE}
RUN apt-get update \
    && apt-get install -y --no-install-recommends nginx-light wget \
    && rm -rf /var/lib/apt/lists/* /etc/nginx/sites-enabled/* \
    && groupadd --system --gid 101 nginx \
    && useradd --system --uid 101 --gid 101 --home-dir /nonexistent --shell /usr/sbin/nologin nginx \
    && ln -sf /dev/stdout /var/log/nginx/access.log \
    && ln -sf /dev/stderr /var/log/nginx/error.log \
    && chown -R 101:0 /var/log/nginx /var/lib/nginx \
    && printf 'pid /tmp/nginx.pid;\nevents {}\nhttp { server { listen 8080; return 200 "stand-in\\n"; } }\n' > /etc/nginx/nginx.conf
EXPOSE 8080
STOPSIGNAL SIGQUIT
USER 101
CMD ["nginx", "-g", "daemon off;"]
