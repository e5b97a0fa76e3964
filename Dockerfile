# syntax=docker/dockerfile:1
# profile-service: compiled with the dev dependencies, run with the production ones only.
#   docker build -t profile-service .
#   docker run -p 8080:8080 -p 50051:50051 -e AUTH_ISSUER=… -e AUTH_JWKS_URI=… -e DATABASE_URL=… profile-service
#
# One exact Node 24 LTS patch for both stages. To bump it, set NODE_VERSION to a newer 24.x.y
# that has a `node:<version>-bookworm-slim` image (or pass --build-arg NODE_VERSION=24.x.y),
# then run `npm test -- test/container`.
ARG NODE_VERSION=24.21.0

FROM node:${NODE_VERSION}-bookworm-slim AS build
WORKDIR /app
COPY package.json package-lock.json ./
# The install scripts that package.json's allowScripts approves and no others, whatever npm
# the image has (older ones ignore allowScripts and would run them all).
RUN npm ci --ignore-scripts --no-audit --no-fund \
  && npm rebuild @swc/core @bufbuild/buf
COPY nest-cli.json tsconfig.json tsconfig.build.json ./
COPY proto ./proto
COPY src ./src
# dist/, with the .proto files the gRPC server loads in dist/proto (nest-cli.json assets).
RUN npm run build

FROM node:${NODE_VERSION}-bookworm-slim AS runtime
# NODE_OPTIONS: Node 24's V8 lets the young generation grow to 64 MiB per semi-space (Node 20's
# stops at 16); under load that held ~100 MiB more, 290-316 MiB peak against 195 with 16 and the
# same throughput (docs/performance.md, "Node 24"). V8 reads it only at start, hence here.
ENV NODE_ENV=production \
  DATA_DIR=/data \
  NODE_OPTIONS=--max-semi-space-size=16
WORKDIR /app
# package.json also makes dist/*.js ES modules ("type": "module").
COPY package.json package-lock.json ./
# No runtime dependency needs its install script: the two that have one (protobufjs,
# @scarf/scarf) are denied in allowScripts.
RUN npm ci --omit=dev --ignore-scripts --no-audit --no-fund \
  && npm cache clean --force
COPY --from=build /app/dist ./dist
# Only the embedded database and the development key live here (both unused with DATABASE_URL
# and AUTH_* set); the application's own files stay root's, read-only to the service.
RUN mkdir -p /data && chown node:node /data
VOLUME ["/data"]
USER node
EXPOSE 8080 50051
HEALTHCHECK --interval=10s --timeout=5s --start-period=30s --retries=3 \
  CMD ["node", "-e", "fetch('http://127.0.0.1:'+(process.env.PORT||8080)+'/healthz').then(r=>process.exit(r.ok?0:1),()=>process.exit(1))"]
STOPSIGNAL SIGTERM
# Exec form, so SIGTERM reaches Node itself (the base image's entrypoint execs its arguments).
CMD ["node", "dist/main.js"]
