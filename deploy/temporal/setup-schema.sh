#!/bin/sh
# Creates or upgrades the Temporal databases on PostgreSQL with temporal-sql-tool (its schemas are
# embedded in the tool). Idempotent. Run by the compose `temporal-schema` service (admin-tools
# image) and by the rehearsal (the cached sql tool), with SQL_HOST, SQL_PORT, SQL_USER and
# SQL_PASSWORD (or SQL_PASSWORD_FILE, a compose secret) in the environment; TEMPORAL_SQL_TOOL names the binary
# (default temporal-sql-tool).
set -eu
if [ -n "${SQL_PASSWORD_FILE:-}" ]; then
  SQL_PASSWORD="$(cat "$SQL_PASSWORD_FILE")"
  export SQL_PASSWORD
fi
export SQL_PLUGIN="${SQL_PLUGIN:-postgres12}"
tool="${TEMPORAL_SQL_TOOL:-temporal-sql-tool}"

setup() {
  db="$1"
  schema="$2"
  # Creating the database and its version tables fails harmlessly once they exist; a real problem
  # (credentials, network) makes update-schema fail below with the tool's own message.
  "$tool" --db "$db" create-database >/dev/null 2>&1 || true
  "$tool" --db "$db" setup-schema -v 0.0 >/dev/null 2>&1 || true
  "$tool" --db "$db" update-schema --schema-name "postgresql/v12/$schema"
  echo "database $db is at the schema of Temporal server ${TEMPORAL_SERVER_VERSION:-1.29.1}"
}

setup "${TEMPORAL_DB_NAME:-temporal}" temporal
setup "${TEMPORAL_VISIBILITY_DB_NAME:-temporal_visibility}" visibility
