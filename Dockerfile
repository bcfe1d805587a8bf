# syntax=docker/dockerfile:1
# The Stagegate operator image: a distroless-style root filesystem (the files of a few Debian bookworm packages, no
# shell or package manager), the project's own Node.js 24 (the npm package `node` pinned in package-lock.json), the
# compiled operator with its production dependencies only, and the non-root user 65532.
#
#   docker build -t stagegate:0.1.0 \
#     --build-arg REVISION=$(git rev-parse HEAD) --build-arg SOURCE_DATE_EPOCH=$(git log -1 --format=%ct) \
#     --build-arg CREATED=$(date -u -d @$(git log -1 --format=%ct) +%Y-%m-%dT%H:%M:%SZ) .
#
# Needs BuildKit (Docker >= 23) or buildah/podman >= 1.37/5.2: they keep the ownership COPY --from copies (the user's
# directories). Without a container engine, `make image` builds the same root filesystem with the same script
# (hack/image/assemble-rootfs.sh) and the same config (hack/image/image-config.ts; tests/unit/image keeps this file
# in step) into dist/image/stagegate.oci.tar. See docs/install.md, "The image", and docs/adr/0018-container-image.md.

ARG NODE_VERSION=24.21.0

# 1. Compile with the project's toolchain: `npm ci` installs the devDependency `node` (Node 24), so the build runs
#    on exactly the Node the image ships.
FROM docker.io/library/node:${NODE_VERSION}-bookworm-slim AS build
WORKDIR /src
COPY package.json package-lock.json ./
RUN npm ci --no-audit --no-fund --loglevel=error
COPY tsconfig.json tsconfig.build.json ./
COPY src ./src
RUN npm run build \
 && mkdir -p /out/node \
 && cp node_modules/node/bin/node /out/node/node \
 && cp "$(find node_modules -path '*/node-linux-*/LICENSE' | head -n 1)" /out/node/LICENSE

# 2. Production dependencies only, from the same lockfile, with no install scripts.
FROM docker.io/library/node:${NODE_VERSION}-bookworm-slim AS deps
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci --omit=dev --ignore-scripts --no-audit --no-fund --loglevel=error

# 3. The root filesystem, assembled and checked by the script `make image` runs.
FROM docker.io/library/debian:bookworm-slim AS rootfs
ARG SOURCE_DATE_EPOCH
COPY hack/image/assemble-rootfs.sh hack/image/packages.txt /build/
COPY package.json /stage/app/package.json
COPY --from=build /src/dist /stage/app/dist
COPY templates /stage/app/templates
COPY config/rbac/operator-role.yaml config/rbac/webhook-certificate-role.yaml /stage/app/config/rbac/
COPY --from=deps /app/node_modules /stage/app/node_modules
COPY --from=build /out/node /stage/node
RUN NODE_LICENSE=/stage/node/LICENSE /build/assemble-rootfs.sh /rootfs /stage/app /stage/node/node

# 4. The runtime: nothing but that root filesystem.
FROM scratch
COPY --from=rootfs /rootfs/ /
# NODE_OPTIONS: a young generation of 4 MiB per semi-space, for a small resident size (ADR 0034, amended).
ENV PATH=/usr/local/bin:/usr/bin:/bin NODE_ENV=production NODE_OPTIONS=--max-semi-space-size=4
USER 65532:65532
WORKDIR /app
ENTRYPOINT ["/usr/local/bin/stagegate"]
CMD ["run"]
ARG VERSION=0.1.0
ARG REVISION=unknown
ARG CREATED=1970-01-01T00:00:00Z
LABEL org.opencontainers.image.title="stagegate" \
      org.opencontainers.image.description="Release-governance operator and GitOps controller for Kubernetes" \
      org.opencontainers.image.licenses="Apache-2.0" \
      org.opencontainers.image.url="https://stagegate.io" \
      org.opencontainers.image.version="${VERSION}" \
      org.opencontainers.image.revision="${REVISION}" \
      org.opencontainers.image.created="${CREATED}"
