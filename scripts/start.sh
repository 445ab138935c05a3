#!/usr/bin/env bash
# One command from a fresh clone to a running Gitpad on the embedded defaults:
# checks Node and git, installs dependencies when the lockfile changed, builds when sources
# changed, then starts the server (PORT 3000, data in ./data, repos in ./repos).
set -euo pipefail
cd "$(dirname "$0")/.."

need_node="20.19.0"
have_node="$(node -p 'process.versions.node' 2>/dev/null || echo 0)"
if ! node -e "const [a,b]=process.argv.slice(1).map(v=>v.split('.').map(Number));process.exit(a[0]>b[0]||(a[0]===b[0]&&(a[1]>b[1]||(a[1]===b[1]&&a[2]>=b[2])))?0:1)" "$have_node" "$need_node" 2>/dev/null; then
  echo "Gitpad needs Node.js $need_node or newer (found: $have_node)." >&2
  exit 1
fi
if ! command -v git >/dev/null 2>&1; then
  echo "Gitpad needs git on the server (for clones and repo maintenance): install it, e.g. apt-get install git." >&2
  exit 1
fi

# Install when node_modules is missing or older than the lockfile (this builds better-sqlite3 from
# source; npm ci is not used: see .ci/run).
if [ ! -f node_modules/.package-lock.json ] || [ package-lock.json -nt node_modules/.package-lock.json ]; then
  echo "Installing dependencies (first run compiles SQLite, about 2 minutes)…"
  npm install --no-audit --no-fund
fi

# Build when anything the build reads is newer than the last build.
stamp=dist/.build-stamp
if [ ! -f "$stamp" ] || [ -n "$(find server/src client package.json tsconfig.json tsconfig.build.json -newer "$stamp" -type f -print -quit)" ]; then
  echo "Building…"
  npm run build
  touch "$stamp"
fi

exec node --enable-source-maps dist/server/src/main.js
