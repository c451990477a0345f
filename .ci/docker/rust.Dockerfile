# Stand-in for rust:1.95-slim-bookworm: Debian 12 with gcc and this machine's Rust toolchain
# (no toolchain can be downloaded here). Context: toolchain/ and ca-certificates.crt.
ARG DEBIAN_IMAGE=board-ci/debian:bookworm
FROM ${DEBIAN_IMAGE}
RUN apt-get update \
    && apt-get install -y --no-install-recommends gcc libc6-dev ca-certificates \
    && rm -rf /var/lib/apt/lists/*
# This machine's network intercepts HTTPS: cargo reaches crates.io only with the host's CA
# bundle. It lives in this stand-in, never in the shipped Dockerfile.
COPY ca-certificates.crt /etc/ssl/certs/ca-certificates.crt
COPY toolchain /usr/local/rust
ENV CARGO_HOME=/usr/local/cargo \
    PATH=/usr/local/cargo/bin:/usr/local/rust/bin:/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin
RUN rustc --version && cargo --version
