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
COPY scripts ./scripts
# dist/: tsc's output with the .proto files (nest-cli.json assets), the service bundled into one
# file, service.cjs (scripts/bundle.mjs), the embedded database's template, and V8's code cache for
# the CMD's command line (dist/code-cache/, src/cli/code-cache.ts: the runtime cannot write dist/).
RUN npm run build

FROM node:${NODE_VERSION}-bookworm-slim AS runtime
ENV NODE_ENV=production \
  DATA_DIR=/data
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
# `npm run start:prod`. The two V8 flags are read only when V8 starts on Node 24 (src/v8-flags.ts
# sets them at run time, which Node 20 honours): without them the embedded database's first start
# held 750-830 MiB instead of 230-260, and the young generation grew to 64 MiB per semi-space
# instead of Node 20's 16, 290-316 MiB under load instead of 195 (docs/performance.md, "Node 24").
CMD ["node", "--liftoff-only", "--max-semi-space-size=16", "dist/main.js"]
