#!/bin/sh
# The audit archive's own database and role in the compose PostgreSQL (docker-compose.yml `archive-db`), idempotent:
# the role and database named by the archive URL file (postgres://<role>:<password>@<host>:<port>/<database>,
# deploy/make-secrets.sh writes it) are created when missing, and the role's password is set from the file on every
# run, so editing the file and running `docker compose up` again rotates it. The role is no superuser and owns its
# database: the trail's migration (run by the setup step and each worker) takes UPDATE, DELETE and TRUNCATE on the
# trail away from it (docs/operations.md, "The audit archive"). An empty URL file (an archive elsewhere): nothing.
#
# Runs in the postgres image as the cluster's superuser (POSTGRES_USER, its password in POSTGRES_PASSWORD_FILE).
set -eu
url="$(cat "$OFFBOARD_ARCHIVE_DATABASE_URL_FILE")"
if [ -z "$url" ]; then
  echo "archive-db: the archive URL file is empty (an archive outside this PostgreSQL): nothing to create"
  exit 0
fi
PGPASSWORD="$(cat "$POSTGRES_PASSWORD_FILE")"
export PGPASSWORD
rest="${url#*://}"
credentials="${rest%%@*}"
role="${credentials%%:*}"
password="${credentials#*:}"
database="${rest##*/}"
database="${database%%\?*}"
if [ -z "$role" ] || [ "$password" = "$credentials" ] || [ -z "$database" ] || [ "$database" = "$rest" ]; then
  echo "archive-db: the archive URL file must read postgres://<role>:<password>@<host>:<port>/<database>" >&2
  exit 1
fi
# psql variables (:'name' quotes a literal, :"name" an identifier): nothing from the file is pasted into SQL.
psql -v ON_ERROR_STOP=1 -q -h "${POSTGRES_HOST:-postgresql}" -p "${POSTGRES_PORT:-5432}" -U "$POSTGRES_USER" \
  -d postgres -v role="$role" -v password="$password" -v database="$database" <<'SQL'
SELECT format('CREATE ROLE %I LOGIN', :'role') WHERE NOT EXISTS (SELECT FROM pg_roles WHERE rolname = :'role') \gexec
ALTER ROLE :"role" WITH LOGIN NOSUPERUSER NOCREATEDB NOCREATEROLE PASSWORD :'password';
SELECT format('CREATE DATABASE %I OWNER %I', :'database', :'role')
  WHERE NOT EXISTS (SELECT FROM pg_database WHERE datname = :'database') \gexec
REVOKE ALL ON DATABASE :"database" FROM PUBLIC;
GRANT CONNECT, TEMPORARY ON DATABASE :"database" TO :"role";
SQL
echo "archive-db: database $database, owned by role $role (no superuser), ready"
