# Stand-in for gcr.io/distroless/cc-debian12:nonroot: Debian 12's C runtime, CA certificates
# and users, and nothing else: no shell, no package manager; uid 65532 with /home/nonroot.
ARG DEBIAN_IMAGE=board-ci/debian:bookworm
FROM ${DEBIAN_IMAGE} AS files
RUN apt-get update \
    && apt-get install -y --no-install-recommends ca-certificates libssl3 libgcc-s1 libstdc++6 libgomp1 netbase tzdata \
    && rm -rf /var/lib/apt/lists/*
RUN set -e; \
    mkdir -p /rootfs/usr/lib /rootfs/usr/lib64 /rootfs/usr/bin /rootfs/usr/sbin /rootfs/etc/ssl/certs \
             /rootfs/tmp /rootfs/home/nonroot /rootfs/root; \
    for dir in lib lib64 bin sbin; do ln -s "usr/$dir" "/rootfs/$dir"; done; \
    for package in libc6 libgcc-s1 libssl3 libstdc++6 libgomp1 netbase tzdata; do \
      dpkg -L "$package" | while read -r path; do \
        if [ -f "$path" ] || [ -L "$path" ]; then \
          case "$path" in /usr/share/doc/*|/usr/share/man/*|/usr/share/lintian/*) continue;; esac; \
          cp -a --parents "$path" /rootfs; \
        fi; \
      done; \
    done; \
    rm -f /rootfs/usr/bin/* /rootfs/usr/sbin/*; \
    cp /etc/ssl/certs/ca-certificates.crt /rootfs/etc/ssl/certs/; \
    printf 'root:x:0:0:root:/root:/sbin/nologin\nnobody:x:65534:65534:nobody:/nonexistent:/sbin/nologin\nnonroot:x:65532:65532:nonroot:/home/nonroot:/sbin/nologin\n' > /rootfs/etc/passwd; \
    printf 'root:x:0:\nnobody:x:65534:\nnonroot:x:65532:\n' > /rootfs/etc/group; \
    cp /etc/os-release /rootfs/etc/os-release; \
    chown 65532:65532 /rootfs/home/nonroot; chmod 700 /rootfs/home/nonroot /rootfs/root; chmod 1777 /rootfs/tmp

FROM scratch
COPY --from=files /rootfs /
ENV SSL_CERT_FILE=/etc/ssl/certs/ca-certificates.crt \
    PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin
USER 65532:65532
WORKDIR /home/nonroot
