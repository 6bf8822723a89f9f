#!/usr/bin/env bash
# Start `sightline serve` on a free port with a throwaway data directory, wait until /readyz says
# the model is loaded, run the Playwright specs against it, and stop the server whatever happens.
# Usage: web/e2e/serve-and-test.sh [path/to/sightline] [playwright test arguments...]
set -euo pipefail

root=$(cd "$(dirname "$0")/../.." && pwd)
sightline=${1:-$root/.venv/bin/sightline}
shift || true
port=$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
url=http://127.0.0.1:$port
data=$(mktemp -d)
results=$root/web/test-results
mkdir -p "$results"

export SIGHTLINE_DATA_DIR=$data
export SIGHTLINE_MODELS_DIR=${SIGHTLINE_MODELS_DIR:-$root/var/models}
export SIGHTLINE_WEB_DIR=$root/web/dist
# The evaluation spec promotes a model, which needs the admin key; it reads the same variable.
export SIGHTLINE_ADMIN_KEY=${SIGHTLINE_ADMIN_KEY:-e2e-admin-key}
"$sightline" serve --host 127.0.0.1 --port "$port" >"$results/server.log" 2>&1 &
server=$!
stop() {
  kill "$server" 2>/dev/null || true
  wait "$server" 2>/dev/null || true
  rm -rf "$data"
}
trap stop EXIT

for _ in $(seq 1 180); do
  curl -sf "$url/readyz" >/dev/null && break
  if ! kill -0 "$server" 2>/dev/null; then
    echo "sightline serve exited before it was ready; its log:" >&2
    cat "$results/server.log" >&2
    exit 1
  fi
  sleep 1
done
if ! curl -sf "$url/readyz" >/dev/null; then
  echo "sightline serve was not ready after 180 s; see $results/server.log" >&2
  exit 1
fi

cd "$root/web"
SIGHTLINE_URL=$url npx playwright test "$@"
