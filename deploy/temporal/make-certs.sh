#!/bin/sh
# Creates the private CA of the Temporal cluster and the certificates of everything that talks to
# it, for mutual TLS (Temporal docs, "Temporal Cluster TLS configuration": the frontend and the
# internode listeners require a client certificate signed by this CA). Run by the compose
# `temporal-certs` service and by the rehearsal, with openssl. Idempotent: an existing file is
# kept, so a restart never rotates anything; delete a file (or the folder) to issue it again.
#
#   make-certs.sh <dir>
#
# Layout, one folder per consumer so each mounts only its own key:
#   ca/        ca.pem, ca.key            the CA (its key never leaves this folder)
#   server/    ca.pem, frontend.pem/.key (the frontend's listener), internode.pem/.key (history,
#              matching and worker services: their listeners, and their client to the frontend)
#   worker/ intake/ operator/ ui/        ca.pem, client.pem, client.key (one identity each)
#
# TLS_FRONTEND_NAMES  names in the frontend certificate (default temporal-frontend,localhost,127.0.0.1)
# TLS_INTERNODE_NAME  the internode certificate's name (default temporal-internode)
# TLS_CLIENTS         client identities (default "worker intake operator ui")
# TLS_DAYS            validity of the server and client certificates (default 365; the CA: 3650)
# TLS_SHARED_READ=1   leave the consumer folders world-readable: compose mounts each folder into
#                     only its consumer's container, whose user is not the one that created it
set -eu
dir="${1:?usage: make-certs.sh <dir>}"
command -v openssl >/dev/null 2>&1 || {
  echo "make-certs.sh needs openssl (Debian/Ubuntu: apt-get install openssl)" >&2
  exit 1
}
frontend_names="${TLS_FRONTEND_NAMES:-temporal-frontend,localhost,127.0.0.1}"
internode_name="${TLS_INTERNODE_NAME:-temporal-internode}"
clients="${TLS_CLIENTS:-worker intake operator ui}"
days="${TLS_DAYS:-365}"
umask 077
mkdir -p "$dir/ca" "$dir/server"
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT

# P-256 keys: every party here (Go's crypto/tls in the server and the UI, rustls in the worker's
# core, grpc-js in the clients) accepts them.
key() { [ -f "$1" ] || openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-256 -out "$1" 2>/dev/null; }

# subjectAltName from a comma-separated list: IP addresses as IP:, names as DNS: (TLS clients
# check the SAN, not the common name).
san() {
  echo "$1" | tr ',' '\n' | while read -r name; do
    [ -n "$name" ] || continue
    case "$name" in
      *[!0-9.]*) printf 'DNS:%s\n' "$name" ;;
      *) printf 'IP:%s\n' "$name" ;;
    esac
  done | paste -sd, -
}

if [ ! -f "$dir/ca/ca.pem" ]; then
  key "$dir/ca/ca.key"
  openssl req -x509 -new -key "$dir/ca/ca.key" -sha256 -days 3650 -subj "/O=okta-offboarding/CN=Temporal cluster CA" \
    -addext "basicConstraints=critical,CA:TRUE,pathlen:0" -addext "keyUsage=critical,keyCertSign,cRLSign" \
    -out "$dir/ca/ca.pem"
  echo "created the CA: $dir/ca/ca.pem"
fi

# leaf <key> <cert> <common name> <extendedKeyUsage> [subjectAltName]
leaf() {
  [ -f "$2" ] && return 0
  key "$1"
  {
    echo "basicConstraints=critical,CA:FALSE"
    echo "keyUsage=critical,digitalSignature"
    echo "extendedKeyUsage=$4"
    echo "subjectKeyIdentifier=hash"
    echo "authorityKeyIdentifier=keyid"
    [ -z "${5:-}" ] || echo "subjectAltName=$5"
  } >"$work/ext"
  openssl req -new -key "$1" -subj "/O=okta-offboarding/CN=$3" -out "$work/csr"
  openssl x509 -req -in "$work/csr" -CA "$dir/ca/ca.pem" -CAkey "$dir/ca/ca.key" -set_serial "0x$(openssl rand -hex 16)" \
    -sha256 -days "$days" -extfile "$work/ext" -out "$2" 2>/dev/null
  echo "issued $2 ($3)"
}

cp "$dir/ca/ca.pem" "$dir/server/ca.pem"
leaf "$dir/server/frontend.key" "$dir/server/frontend.pem" temporal-frontend serverAuth "$(san "$frontend_names")"
# The internode certificate is also the services' client certificate (internode and to the frontend).
leaf "$dir/server/internode.key" "$dir/server/internode.pem" "$internode_name" serverAuth,clientAuth \
  "$(san "$internode_name")"
for client in $clients; do
  mkdir -p "$dir/$client"
  cp "$dir/ca/ca.pem" "$dir/$client/ca.pem"
  leaf "$dir/$client/client.key" "$dir/$client/client.pem" "offboarding-$client" clientAuth
done

if [ "${TLS_SHARED_READ:-}" = 1 ]; then
  for folder in server $clients; do
    chmod 755 "$dir/$folder"
    chmod 644 "$dir/$folder"/*
  done
fi
