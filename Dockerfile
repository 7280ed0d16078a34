# paperboy in a container. Build and run:
#   docker build -t paperboy .
#   docker run -d --name paperboy -p 8080:8080 --env-file .env \
#     -v "$PWD/digests:/app/digests" -v paperboy-data:/app/data -v paperboy-out:/app/out paperboy
# `docker stop -t 90 paperboy` sends SIGTERM to paperboy itself (it is the container's first
# process): it takes no new work, lets the messages on their way finish (78 s at most with the
# default settings; Docker's own wait is only 10 s), and exits.
FROM node:20-slim

WORKDIR /app
# better-sqlite3 is compiled when no prebuilt binary fits the platform.
RUN apt-get update \
  && apt-get install -y --no-install-recommends python3 make g++ \
  && rm -rf /var/lib/apt/lists/*

COPY package.json package-lock.json tsconfig.json tsconfig.build.json ./
COPY bin ./bin
COPY src ./src
COPY templates ./templates
# npm ci compiles src/ into dist/; the tools it needed are then dropped.
RUN npm ci --no-audit --no-fund && npm prune --omit=dev --no-audit --no-fund

COPY digests ./digests
RUN useradd --system --home-dir /app --shell /usr/sbin/nologin paperboy \
  && mkdir -p data out \
  && chown -R paperboy:paperboy data out digests
USER paperboy

ENV PAPERBOY_HOST=0.0.0.0 PAPERBOY_PORT=8080
EXPOSE 8080
VOLUME ["/app/digests", "/app/data", "/app/out"]
HEALTHCHECK --interval=30s --timeout=5s --start-period=30s --retries=3 \
  CMD ["node", "-e", "fetch('http://127.0.0.1:' + (process.env.PAPERBOY_PORT || 8080) + '/healthz').then((r) => process.exit(r.ok ? 0 : 1), () => process.exit(1))"]
STOPSIGNAL SIGTERM
CMD ["node", "dist/cli.js", "start"]
