# syntax=docker/dockerfile:1
# One recipe for the four services, because they are built the same way (one webpack config, one
# lockfile) and differ only in what their runtime carries:
#
#   docker build -f tools/docker/service.Dockerfile --build-arg APP=storage --build-arg PORT=3001 --target service .
#   docker build -f tools/docker/service.Dockerfile --build-arg APP=encoder --build-arg PORT=3002 --target media-service .
#
# `service` is Node alone; `media-service` (the encoder) adds ffmpeg, poppler and tini. docker-compose.yml
# and tools/deploy/validate.sh hold the app → target → port table; `npm test` checks this file with
# hadolint and BuildKit's parser (tools/deploy/deploy-check).
ARG NODE_IMAGE=node:20-bookworm-slim

FROM ${NODE_IMAGE} AS deps
WORKDIR /repo
COPY package.json package-lock.json ./
# No install scripts: the build needs none (native parts of nx, swc and sharp come as prebuilt packages).
# The optional `ca` secret is a CA bundle for networks whose proxy re-signs TLS (tools/containers/images.sh
# passes the host's NODE_EXTRA_CA_CERTS); it is mounted for the install only and never lands in a layer.
# npm can print "Exit handler never called!" and still exit 0 after failed fetches: `npm ls` makes a
# missing package fail the build here instead of at run time.
RUN --mount=type=cache,target=/root/.npm --mount=type=secret,id=ca,target=/run/secrets/ca.crt \
    NODE_EXTRA_CA_CERTS=/run/secrets/ca.crt npm ci --ignore-scripts --no-audit --no-fund \
 && npm ls --depth=0 >/dev/null

FROM deps AS build
ARG APP
ARG PORT
RUN test -n "${APP}" && test -n "${PORT}" || { echo 'build args APP and PORT are required' >&2; exit 1; }
COPY . .
# Nx's webpack plugin bundles the app and its libs into main.js and writes a package.json and a pruned
# package-lock.json naming only the packages the bundle imports: those are the production dependencies.
RUN NX_DAEMON=false npx nx build "${APP}" --skip-nx-cache \
 && mkdir /out \
 && cp "dist/apps/${APP}/main.js" "dist/apps/${APP}/package.json" "dist/apps/${APP}/package-lock.json" /out/
WORKDIR /out
# Optional dependencies stay: sharp's libvips binary for this platform is one.
RUN --mount=type=cache,target=/root/.npm --mount=type=secret,id=ca,target=/run/secrets/ca.crt \
    NODE_EXTRA_CA_CERTS=/run/secrets/ca.crt npm ci --omit=dev --ignore-scripts --no-audit --no-fund \
 && npm ls --omit=dev --depth=0 >/dev/null

FROM ${NODE_IMAGE} AS runtime
ENV NODE_ENV=production
WORKDIR /app
# Liveness only: readiness (database and broker) is for the orchestrator to route traffic by.
HEALTHCHECK --interval=10s --timeout=3s --start-period=30s \
  CMD ["node", "-e", "fetch('http://127.0.0.1:'+process.env.PORT+'/health/live').then(r=>process.exit(r.ok?0:1),()=>process.exit(1))"]

# The encoder: ffmpeg/ffprobe, pdftoppm, and a font so PDFs without embedded fonts still render text.
# tini is PID 1 because jobs kill whole process groups: it reaps what they leave, and forwards SIGTERM.
FROM runtime AS media-service
# hadolint ignore=DL3008
RUN apt-get update \
 && apt-get install -y --no-install-recommends ffmpeg poppler-utils fonts-dejavu-core tini \
 && rm -rf /var/lib/apt/lists/*
ARG PORT
ENV PORT=${PORT}
EXPOSE ${PORT}
# Owned by root and read-only to the service: it cannot rewrite its own code.
COPY --from=build /out ./
# The uid of the image's `node` user, as a number so Kubernetes can verify runAsNonRoot.
USER 1000:1000
ENTRYPOINT ["/usr/bin/tini", "--"]
CMD ["node", "main.js"]

# ingest-api, storage, fanout. Last, so a build without --target gets the plain service image.
FROM runtime AS service
ARG PORT
ENV PORT=${PORT}
EXPOSE ${PORT}
COPY --from=build /out ./
USER 1000:1000
CMD ["node", "main.js"]
