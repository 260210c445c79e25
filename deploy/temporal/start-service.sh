#!/bin/sh
# Starts one Temporal service (frontend, history, matching or worker) in a compose container from
# deploy/temporal/config/production.yaml; the other services reach it at the container's address.
set -eu
TEMPORAL_BROADCAST_ADDRESS="${TEMPORAL_BROADCAST_ADDRESS:-$(hostname -i | cut -d' ' -f1)}"
export TEMPORAL_BROADCAST_ADDRESS
exec temporal-server --root /etc/temporal-offboarding --config config --env production --allow-no-auth start --service "$1"
