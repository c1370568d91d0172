# syntax=docker/dockerfile:1
# selar-server, CPU image. Build from the repository root:
#   docker build -t selar-server:0.1.0 .
# Run (the bundled demo model; configuration by SELAR_* environment variables only):
#   docker run --rm -p 8000:8000 selar-server:0.1.0
# Another model, mounted at /models:
#   docker run --rm -p 8000:8000 -v "$PWD/my-model:/models:ro" -e SELAR_MODEL=/models selar-server:0.1.0
# docs/deployment.md explains every choice below and how this file was checked.

ARG NODE_IMAGE=node:20-bookworm-slim

# --- build: compile TypeScript with the dev dependencies ---------------------------
FROM ${NODE_IMAGE} AS build
WORKDIR /src
# onnxruntime-node's CUDA download is skipped (package.json's allowScripts for npm 11, .npmrc for
# the image's npm 10): the CPU binaries ship inside the npm package.
COPY package.json package-lock.json .npmrc ./
RUN npm ci --no-fund --no-audit
COPY tsconfig.json ./
COPY src ./src
RUN npm run build

# --- deps: production dependencies only ---------------------------------------------
FROM ${NODE_IMAGE} AS deps
WORKDIR /app
COPY package.json package-lock.json .npmrc ./
# onnxruntime-node ships binaries for every OS; keep Linux only (about 220 MB less).
RUN npm ci --omit=dev --no-fund --no-audit \
 && npm cache clean --force \
 && rm -rf node_modules/onnxruntime-node/bin/napi-v6/darwin node_modules/onnxruntime-node/bin/napi-v6/win32

# --- runtime ------------------------------------------------------------------------
FROM ${NODE_IMAGE}
# tini runs as PID 1: it forwards SIGTERM to Node (which then drains) and reaps zombies.
RUN apt-get update \
 && apt-get install -y --no-install-recommends tini \
 && rm -rf /var/lib/apt/lists/*

ENV NODE_ENV=production \
    SELAR_HOST=0.0.0.0 \
    SELAR_PORT=8000 \
    SELAR_MODEL=/app/models/selar-demo \
    SELAR_DEVICE=cpu \
    SELAR_CACHE_DIR=/var/cache/selar-server

WORKDIR /app
COPY --from=deps /app/node_modules ./node_modules
COPY --from=build /src/dist ./dist
COPY package.json ./
# Read at run time, relative to dist/: the ONNX schema, the math-symbol list and
# `selar eval`'s default data set (test/deploy/manifests.test.ts keeps this list whole).
COPY src/onnx/onnx.proto3 ./src/onnx/onnx.proto3
COPY assets ./assets
COPY data/eval ./data/eval
COPY models/selar-demo ./models/selar-demo

# The image's user is `node` (uid 1000) from the base image. It owns only the
# converter cache; /models is the mount point for other models (read-only is fine).
RUN mkdir -p /models "$SELAR_CACHE_DIR" && chown 1000:1000 "$SELAR_CACHE_DIR"
USER 1000:1000
# Derive the bundled model's inputs_embeds decoder now, so a container starts without
# converting. The cache key is the model file's path, size and mtime, all fixed here.
RUN node dist/cli/main.js convert models/selar-demo

EXPOSE 8000
HEALTHCHECK --interval=30s --timeout=5s --start-period=60s --retries=3 \
  CMD ["node", "-e", "fetch('http://127.0.0.1:'+(process.env.SELAR_PORT||8000)+'/health').then(r=>process.exit(r.ok?0:1),()=>process.exit(1))"]
ENTRYPOINT ["/usr/bin/tini", "--"]
CMD ["node", "dist/cli/main.js", "serve"]
