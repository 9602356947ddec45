# One image recipe for every service: `--build-arg APP=<service>`; the encoder adds ffmpeg and poppler
# through APT_PACKAGES. Multi-stage: the runtime image has the bundle and production dependencies only.
FROM node:20-bookworm-slim AS build
WORKDIR /repo
COPY package.json package-lock.json ./
RUN npm ci --ignore-scripts --no-audit --no-fund
COPY . .
ARG APP
RUN NX_DAEMON=false npx nx build "${APP}" --skip-nx-cache \
 && cd "dist/apps/${APP}" && npm install --omit=dev --ignore-scripts --no-audit --no-fund

FROM node:20-bookworm-slim
ARG APP
ARG APT_PACKAGES=""
RUN if [ -n "${APT_PACKAGES}" ]; then \
      apt-get update && apt-get install -y --no-install-recommends ${APT_PACKAGES} && rm -rf /var/lib/apt/lists/*; \
    fi
WORKDIR /app
COPY --from=build --chown=node:node /repo/dist/apps/${APP} ./
USER node
ENV NODE_ENV=production
# Liveness only: readiness (database and broker) is for the orchestrator to route traffic by.
HEALTHCHECK --interval=10s --timeout=3s --start-period=20s \
  CMD node -e "fetch('http://127.0.0.1:'+(process.env.PORT||3000)+'/health/live').then(r=>process.exit(r.ok?0:1),()=>process.exit(1))"
CMD ["node", "main.js"]
