#!/usr/bin/env bash
# Hostile libpq results (docs/SECURITY.md): collect --catalog against a real
# PostgreSQL 15 whose catalog is made to hurt a reader: schema, table,
# column and role names with quotes, backslashes, newlines, tabs, commas,
# semicolons and SQL comments, 63-byte names (ASCII and multi-byte UTF-8),
# a 1 MiB column comment, NULLs (no comment, no ACL, no VALID UNTIL,
# dropped columns) and 3000 columns. Checks the collection is sealed with
# nothing unparsed, the store verifies, and v_catalog_columns / v_roles /
# v_grants give back exactly the server's names and comment, byte for byte
# (compared as hex).
# Usage: pg_hostile_catalog.sh PATH/TO/trailseal
set -uo pipefail
# shellcheck source=tests/e2e/lib.sh disable=SC2034
. "$(dirname "$0")/lib.sh"

TRAILSEAL=${1:?usage: pg_hostile_catalog.sh TRAILSEAL}
[ -x "$TRAILSEAL" ] || bail "'$TRAILSEAL' is not an executable"
need_tools python3 sqlite3 psql
make_tmp
STORE=$T/store.db

q() { sqlite3 -batch "$STORE" "$1"; }

ts init
check_status "init" 0 "$RC"
start_sandbox
# shellcheck source=/dev/null
. "$SANDBOX/sandbox.env"
admin="host=$PGSANDBOX_SOCKET port=$PGSANDBOX_PORT user=postgres"
psql -X -q -v ON_ERROR_STOP=1 "$admin dbname=postgres" >"$T/psql.out" 2>&1 <<'SQL' || bail "setting up the hostile catalog failed: $(cat "$T/psql.out")"
CREATE DATABASE hostile;
\connect hostile
CREATE TABLE names (n text);
INSERT INTO names VALUES
    ('quo"te'), ('it''s'), ('back\slash'), (E'new\nline'), (E'tab\there'),
    ('com,ma'), ('semi;colon -- comment'), ('x''); DROP TABLE events; --'),
    ('/* c */ star*'), (repeat('n', 63)), ('ünïcødé 表 ' || repeat('é', 25)),
    (E'cr\rlf'), ('{"json": [1]}'), ('   ');
DO $$
DECLARE r record; i int := 0;
BEGIN
    FOR r IN SELECT n FROM names LOOP
        i := i + 1;
        EXECUTE format('CREATE SCHEMA %I', r.n);
        EXECUTE format('CREATE TABLE %I.%I (%I int, plain_%s text)',
                       r.n, r.n, r.n, i);
        EXECUTE format('CREATE ROLE %I LOGIN', r.n);
        EXECUTE format('GRANT USAGE ON SCHEMA %I TO %I', r.n, r.n);
        EXECUTE format('GRANT SELECT (%I) ON %I.%I TO %I', r.n, r.n, r.n, r.n);
        EXECUTE format('GRANT INSERT ON %I.%I TO %I', r.n, r.n, r.n);
        EXECUTE format('COMMENT ON COLUMN %I.%I.%I IS %L', r.n, r.n, r.n, r.n);
    END LOOP;
    -- a dropped column (NULL type in pg_attribute's eyes) and 3000 columns
    EXECUTE 'CREATE TABLE public.dropped (a int, b int)';
    EXECUTE 'ALTER TABLE public.dropped DROP COLUMN a';
    FOR i IN 1..3 LOOP
        EXECUTE format('CREATE TABLE public.wide_%s (%s)', i,
            (SELECT string_agg(format('c%s int', k), ', ')
               FROM generate_series(1, 1000) k));
    END LOOP;
END $$;
COMMENT ON COLUMN public.wide_1.c1 IS 'see below';
SQL
# a 1 MiB comment (with quotes, backslashes and newlines in it)
python3 -c '
import sys
body = ("a\"b\\c\nd\te'"'"'f" * 131072)[:1048576]
sys.stdout.write("COMMENT ON COLUMN public.wide_2.c7 IS $big$" + body + "$big$;\n")
' >"$T/big.sql"
psql -X -q -v ON_ERROR_STOP=1 "$admin dbname=hostile" -f "$T/big.sql" >"$T/psql.out" 2>&1 ||
    bail "the 1 MiB comment failed: $(cat "$T/psql.out")"
ok "PostgreSQL: hostile schema, table, column and role names, a 1 MiB comment, 3000 columns"

dsn="postgresql://postgres@/hostile?host=$PGSANDBOX_SOCKET&port=$PGSANDBOX_PORT"
ts collect --catalog --dsn "$dsn" --json
check_status "collect --catalog from the hostile catalog" 0 "$RC"
check_eq "nothing unparsed" 0 "$(json_get "$T/out" 'j["unparsed"]')"
ts verify
check_status "verify after the collection" 0 "$RC"

# pg SQL: rows from the server, sorted; sl SQL: rows from the store, sorted.
pg() { psql -X -A -t -v ON_ERROR_STOP=1 "$admin dbname=hostile" -c "$1" | sort; }
sl() { q "$1" | sort; }
check_eq "v_catalog_columns: every schema, table and column name, exactly" \
    "$(pg "SELECT encode(convert_to(n.nspname, 'UTF8'), 'hex') || '.' || encode(convert_to(c.relname, 'UTF8'), 'hex') || '.' || encode(convert_to(a.attname, 'UTF8'), 'hex') || '.' || encode(convert_to(format_type(a.atttypid, a.atttypmod), 'UTF8'), 'hex') FROM pg_attribute a JOIN pg_class c ON c.oid = a.attrelid JOIN pg_namespace n ON n.oid = c.relnamespace WHERE c.relkind = 'r' AND a.attnum > 0 AND NOT a.attisdropped AND n.nspname NOT IN ('pg_catalog', 'information_schema') AND n.nspname NOT LIKE 'pg\\_toast%'")" \
    "$(sl "SELECT lower(hex(schema_name)) || '.' || lower(hex(table_name)) || '.' || lower(hex(column_name)) || '.' || lower(hex(data_type)) FROM v_catalog_columns")"
check_eq "v_catalog_columns: 3000 + 1 + 28 + 1 columns" 3030 \
    "$(q "SELECT count(*) FROM v_catalog_columns")"
check_eq "comments, exactly (the 1 MiB one included)" \
    "$(pg "SELECT md5(coalesce(col_description(c.oid, a.attnum), '<null>')) FROM pg_attribute a JOIN pg_class c ON c.oid = a.attrelid JOIN pg_namespace n ON n.oid = c.relnamespace WHERE c.relkind = 'r' AND a.attnum > 0 AND NOT a.attisdropped AND n.nspname NOT IN ('pg_catalog', 'information_schema') AND n.nspname NOT LIKE 'pg\\_toast%'")" \
    "$(python3 -c '
import hashlib, sqlite3, sys
for (c,) in sqlite3.connect(sys.argv[1]).execute("SELECT coalesce(comment, \"<null>\") FROM v_catalog_columns"):
    print(hashlib.md5(c.encode()).hexdigest())
' "$STORE" | sort)"
check_eq "the 1 MiB comment is whole" 1048576 \
    "$(q "SELECT length(CAST(comment AS BLOB)) FROM v_catalog_columns WHERE table_name = 'wide_2' AND column_name = 'c7'")"
check_eq "v_roles: every role name, exactly" \
    "$(pg "SELECT encode(convert_to(rolname, 'UTF8'), 'hex') || '.' || rolcanlogin::int FROM pg_roles")" \
    "$(sl "SELECT lower(hex(role)) || '.' || can_login FROM v_roles")"
check_eq "v_grants: the hostile column grants, exactly" \
    "$(pg "SELECT encode(convert_to(n::name::text, 'UTF8'), 'hex') FROM names")" \
    "$(sl "SELECT lower(hex(grantee)) FROM v_grants WHERE column_name IS NOT NULL AND privilege = 'SELECT' AND grantee = column_name AND object_name = column_name || '.' || column_name")"
check_eq "the store's tables are all there (no name was run as SQL)" 1 \
    "$(q "SELECT count(*) FROM sqlite_master WHERE name = 'events'")"

ts collect --catalog --dsn "$dsn" --json
check_status "collect the hostile catalog again" 0 "$RC"
ts verify
check_status "verify after two collections" 0 "$RC"
"$REPO_DIR/scripts/pg-sandbox.sh" stop "$SANDBOX" || bail "could not stop PostgreSQL"
finish
