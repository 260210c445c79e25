#!/bin/sh
# Writes the secret files docker-compose.yml hands to its services as compose secrets (/run/secrets/<name>, read
# through the *_FILE variables), with new random values; a file that exists already is kept, so a rerun never
# rotates a secret. Folder mode 0700 (no other user of the host can read it), files 0644 (the containers' users,
# node, postgres and temporal, differ from yours and read the bind-mounted file).
#
#   sh deploy/make-secrets.sh              # for a real Okta org: then put its token or service-app key in the files
#   sh deploy/make-secrets.sh --emulator   # the local trial: the Okta emulator's token in both Okta token files
#
# OFFBOARD_SECRETS_DIR chooses the folder (default deploy/secrets, git-ignored). An empty file is an unset setting:
# the OAuth key files when a token is used, the token files when a service app is, the hook secret with no hook.
set -eu
dir="${OFFBOARD_SECRETS_DIR:-$(dirname "$0")/secrets}"
emulator=0
[ "${1:-}" = "--emulator" ] && emulator=1
mkdir -p "$dir"
chmod 0700 "$dir"
umask 022

random() { openssl rand -base64 "$1" | tr -d '\n'; }
write() {
  name="$1"
  shift
  if [ -e "$dir/$name" ]; then
    echo "kept    $dir/$name"
    return
  fi
  printf '%s' "$*" > "$dir/$name"
  chmod 0644 "$dir/$name"
  echo "wrote   $dir/$name"
}

write postgres-password "$(random 24)"
# name=secret pairs, comma-separated (the HR system's name; two entries of one name during a rotation).
write offboard-hmac-secrets "workday=$(random 32)"
write okta-event-hook-secret "$(random 32)"
# The codec keys: `<id>=<base64 of 32 bytes>` lines, the last one current (docs/operations.md, key rotation).
write offboard-codec-keys "$(date +%Y%m%d)=$(random 32)
"
write offboard-codec-server-token "$(random 32)"
# The audit archive's database in the compose PostgreSQL, with its own role (deploy/archive-db.sh creates both);
# hex, so the password needs no escaping in the URL. Another PostgreSQL: put its URL here instead.
write offboard-archive-database-url "postgres://offboard_archive:$(openssl rand -hex 24)@postgresql:5432/offboard_archive"
if [ "$emulator" = 1 ]; then
  write okta-api-token "${OKTA_EMULATOR_TOKEN:-emulator-token}"
  write okta-intake-api-token "${OKTA_EMULATOR_TOKEN:-emulator-token}"
else
  write okta-api-token ""
  write okta-intake-api-token ""
fi
write okta-private-key.pem ""
write okta-intake-private-key.pem ""
# The intake's HTTPS certificate: self-signed for localhost here; replace both files with your certificate
# (chain first) and key for the name HR systems call, or let a proxy terminate TLS (docs/deployment.md).
if [ ! -e "$dir/intake-tls.key" ]; then
  openssl req -x509 -newkey rsa:2048 -nodes -days 365 -subj "/CN=localhost" \
    -addext "subjectAltName=DNS:localhost,IP:127.0.0.1" \
    -keyout "$dir/intake-tls.key" -out "$dir/intake-tls.crt" 2>/dev/null
  chmod 0644 "$dir/intake-tls.key" "$dir/intake-tls.crt"
  echo "wrote   $dir/intake-tls.crt and intake-tls.key (self-signed, localhost)"
else
  echo "kept    $dir/intake-tls.crt and intake-tls.key"
fi
echo "Put the worker's Okta API token or service-app key, and the intake's, in the okta-* files (docs/okta-setup.md)."
