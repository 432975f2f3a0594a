#!/bin/sh
# Creates or upgrades Temporal's own schemas (default and visibility stores) on PostgreSQL.
# POSTGRES_PORT and TEMPORAL_SCHEMA_DIR default to the admin-tools image's; the cluster scripts
# (cluster/temporal.ts) run it outside containers with their own.
set -eu
schema_dir="${TEMPORAL_SCHEMA_DIR:-/etc/temporal/schema}"
tool() { temporal-sql-tool --plugin postgres12 --ep "$POSTGRES_SEEDS" -u "$POSTGRES_USER" -p "${POSTGRES_PORT:-5432}" "$@"; }
for db in temporal temporal_visibility; do
  schema=$([ "$db" = temporal ] && echo temporal || echo visibility)
  tool --db "$db" create || true
  tool --db "$db" setup-schema -v 0.0 || true
  tool --db "$db" update-schema -d "$schema_dir/postgresql/v12/$schema/versioned"
done
echo 'Temporal schemas ready'
