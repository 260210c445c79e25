#!/bin/sh
# Starts one Temporal service (frontend, history, matching or worker) in a compose container from
# deploy/temporal/config/production.yaml; the other services reach it at the container's address.
#
# `--allow-no-auth`: no Authorizer or ClaimMapper is configured (the server's default is to allow
# every call and to warn without this flag). Callers are authenticated by mutual TLS instead
# (TEMPORAL_SERVER_TLS_DIR): the frontend admits only clients holding a certificate of the
# cluster's CA (deploy/temporal/make-certs.sh), and each such client may do anything, so
# certificates go only to the worker, the intake, the UI and operators.
set -eu
if [ "$1" = frontend ] && [ -z "${TEMPORAL_SERVER_TLS_DIR:-}" ]; then
  echo "start-service.sh: TEMPORAL_SERVER_TLS_DIR is not set; the frontend would accept any client" >&2
  exit 1
fi
# The config template reads POSTGRES_PASSWORD; compose hands it over as a secret file (POSTGRES_PASSWORD_FILE), so
# it is in this process's environment only, never in the container's configuration (`docker inspect`).
if [ -n "${POSTGRES_PASSWORD_FILE:-}" ]; then
  POSTGRES_PASSWORD="$(cat "$POSTGRES_PASSWORD_FILE")"
  export POSTGRES_PASSWORD
fi
TEMPORAL_BROADCAST_ADDRESS="${TEMPORAL_BROADCAST_ADDRESS:-$(hostname -i | cut -d' ' -f1)}"
export TEMPORAL_BROADCAST_ADDRESS
exec temporal-server --root /etc/temporal-offboarding --config config --env production --allow-no-auth start --service "$1"
