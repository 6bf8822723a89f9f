#!/usr/bin/env bash
# Start two `sightline serve`s on free ports with throwaway data directories: one open, one with
# SIGHTLINE_API_KEYS for the API key spec. Wait until /readyz says each has its model loaded, run the
# Playwright specs against them, and stop both servers whatever happens. Their logs stay in
# web/test-results/.
# Usage: web/e2e/serve-and-test.sh [path/to/sightline] [playwright test arguments...]
set -euo pipefail

root=$(cd "$(dirname "$0")/../.." && pwd)
sightline=${1:-$root/.venv/bin/sightline}
shift || true
results=$root/web/test-results
mkdir -p "$results"

export SIGHTLINE_MODELS_DIR=${SIGHTLINE_MODELS_DIR:-$root/var/models}
export SIGHTLINE_WEB_DIR=$root/web/dist
# The evaluation spec promotes a model, which needs the admin key; it reads the same variable.
export SIGHTLINE_ADMIN_KEY=${SIGHTLINE_ADMIN_KEY:-e2e-admin-key}
# The API key spec enters this key; only the second server asks for it.
export SIGHTLINE_E2E_API_KEY=${SIGHTLINE_E2E_API_KEY:-e2e-api-key}

servers=()
# Every throwaway directory made here, removed when the script ends.
scratch=()
stop() {
  for server in "${servers[@]}"; do kill "$server" 2>/dev/null || true; done
  for server in "${servers[@]}"; do wait "$server" 2>/dev/null || true; done
  rm -rf "${scratch[@]}"
}
trap stop EXIT
# Interrupted or told to stop: leave through the EXIT trap, so the servers go too.
trap 'exit 130' INT
trap 'exit 143' TERM

# A throwaway models file for both servers: the file-models spec adds to it with `sightline models add`.
models_file_dir=$(mktemp -d)
scratch+=("$models_file_dir")
export SIGHTLINE_MODELS_FILE=$models_file_dir/models.toml

# Both ports at once, so that the two cannot be the same.
read -r port port_with_keys < <(python3 -c '
import socket
sockets = [socket.socket() for _ in range(2)]
for s in sockets:
    s.bind(("127.0.0.1", 0))
print(*(s.getsockname()[1] for s in sockets))')
url=http://127.0.0.1:$port
url_with_keys=http://127.0.0.1:$port_with_keys

# serve DATA_DIR PORT LOG [VARIABLE=VALUE...]: one server on its own data directory, in the background.
serve() {
  local data=$1 port=$2 log=$3
  shift 3
  env "$@" SIGHTLINE_DATA_DIR="$data" "$sightline" serve --host 127.0.0.1 --port "$port" >"$log" 2>&1 &
  servers+=($!)
}
data_dir=$(mktemp -d)
data_dir_with_keys=$(mktemp -d)
scratch+=("$data_dir" "$data_dir_with_keys")
serve "$data_dir" "$port" "$results/server.log"
serve "$data_dir_with_keys" "$port_with_keys" "$results/server-with-keys.log" SIGHTLINE_API_KEYS="$SIGHTLINE_E2E_API_KEY"
# The ground-truth specs export the first server's dataset with the command line, as a user would:
# the command must read the very data directory that server writes.
export SIGHTLINE_E2E_DATA_DIR=$data_dir SIGHTLINE_E2E_CLI=$(realpath "$sightline")

# wait_ready URL PID LOG
wait_ready() {
  for _ in $(seq 1 180); do
    curl -sf "$1/readyz" >/dev/null && return 0
    if ! kill -0 "$2" 2>/dev/null; then
      echo "sightline serve exited before it was ready; its log:" >&2
      cat "$3" >&2
      exit 1
    fi
    sleep 1
  done
  echo "sightline serve was not ready after 180 s; see $3" >&2
  exit 1
}
wait_ready "$url" "${servers[0]}" "$results/server.log"
wait_ready "$url_with_keys" "${servers[1]}" "$results/server-with-keys.log"

cd "$root/web"
SIGHTLINE_URL=$url SIGHTLINE_URL_WITH_KEYS=$url_with_keys npx playwright test "$@"
