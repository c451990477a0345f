# syntax=docker/dockerfile:1
# Two stages: build the release binary, then copy it alone into a distroless image
# (no shell, no package manager, runs as an unprivileged user).
# The base images are build arguments only so that a mirror (or CI's locally built stand-ins)
# can replace them: `docker build --build-arg RUST_IMAGE=... .`; the defaults are what ships.
# checkov:skip=CKV_DOCKER_7:FROM names a build argument whose default is a pinned tag (rust:1.95-slim-bookworm and distroless cc-debian12:nonroot).
ARG RUST_IMAGE=rust:1.95-slim-bookworm
ARG RUNTIME_IMAGE=gcr.io/distroless/cc-debian12:nonroot

FROM ${RUST_IMAGE} AS build
WORKDIR /src
# Dependencies first, in a layer of their own: it is rebuilt only when Cargo.toml/Cargo.lock change.
COPY Cargo.toml Cargo.lock ./
RUN mkdir src \
    && echo 'fn main() {}' > src/main.rs \
    && touch src/lib.rs \
    && cargo build --release --locked \
    && rm -rf src
COPY migrations migrations
COPY src src
# Newer mtimes than the placeholder build, so cargo rebuilds the crate itself.
RUN touch src/main.rs src/lib.rs && cargo build --release --locked

FROM ${RUNTIME_IMAGE}
COPY --from=build /src/target/release/board /usr/local/bin/board
# The SQLite default (no DATABASE_URL/MYSQL_HOST) writes board.db here.
WORKDIR /home/nonroot
ENV HOST=0.0.0.0 \
    PORT=8080 \
    LOG_FORMAT=json
EXPOSE 8080
USER 65532:65532
# The server finishes in-flight requests on SIGTERM, then exits 0.
STOPSIGNAL SIGTERM
# Distroless has no curl: the binary probes its own /health.
HEALTHCHECK --interval=10s --timeout=3s --start-period=15s --retries=3 \
    CMD ["/usr/local/bin/board", "--healthcheck"]
ENTRYPOINT ["/usr/local/bin/board"]
