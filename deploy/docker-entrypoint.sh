#!/bin/sh
# The image's entry points: `worker` (default), `intake`, `codec-server`, or `setup` (the one-shot cluster setup).
set -eu
role="${1:-worker}"
case "$role" in
  worker) script=dist/worker/main.js ;;
  intake) script=dist/client/intake/main.js ;;
  codec-server) script=dist/codec-server/main.js ;;
  setup) script=dist/worker/setup-temporal.js ;;
  *) exec "$@" ;;
esac
shift || true
# The health check runs as its own process and reads which role this container has.
echo "$role" > /tmp/offboarding-role
exec node "/app/$script" "$@"
