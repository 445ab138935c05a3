# Gitpad in a container (used by docker-compose.yml). Not built by CI here (no Docker daemon):
# server/test/deploy/files.test.ts checks the compose file's syntax and settings only.
FROM node:22-bookworm-slim AS build
# better-sqlite3 compiles from source; git is needed at run time too.
RUN apt-get update \
 && apt-get install -y --no-install-recommends python3 make g++ git ca-certificates \
 && rm -rf /var/lib/apt/lists/*
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm install --no-audit --no-fund
COPY . .
RUN npm run build

FROM node:22-bookworm-slim
RUN apt-get update \
 && apt-get install -y --no-install-recommends git ca-certificates \
 && rm -rf /var/lib/apt/lists/*
WORKDIR /app
# Dev dependencies stay: `npm run backup` / `restore` run through tsx.
COPY --from=build /app /app
RUN mkdir -p /data /repos && chown node:node /data /repos
USER node
ENV NODE_ENV=production HOST=0.0.0.0 PORT=3000 DATA_DIR=/data REPOS_DIR=/repos CLIENT_DIR=/app/dist/client
EXPOSE 3000
HEALTHCHECK --interval=30s --timeout=5s --start-period=30s \
  CMD node -e "fetch('http://127.0.0.1:3000/api/health').then(r=>process.exit(r.ok?0:1),()=>process.exit(1))"
CMD ["node", "--enable-source-maps", "dist/server/src/main.js"]
