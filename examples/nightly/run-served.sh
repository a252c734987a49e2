#!/usr/bin/env bash
# The example matrix over HTTP, as a real nightly sees its targets: one reference provider started with
# `chat-conformance serve` answers as itself, as fault no-done and as variant crlf (one path prefix each), and
# the matrix runs against it with a key from the environment. Extra arguments go to `run` (e.g. --shard 1/3).
set -euo pipefail
cd "$(dirname "$0")/../.."

export REFERENCE_KEY="${REFERENCE_KEY:-sk-nightly-example}"
node bin/chat-conformance.js serve --port 18089 --api-key "$REFERENCE_KEY" --gap-ms 2 > /dev/null &
server=$!
trap 'kill "$server" 2>/dev/null || true' EXIT
for _ in $(seq 50); do
  curl -s -o /dev/null "http://127.0.0.1:18089/v1/models" && break
  sleep 0.1
done
node bin/chat-conformance.js run --config examples/nightly/served.config.json "$@"
