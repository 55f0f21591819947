/* SQL fragments both PostgreSQL catalog readers use (sql_catalog_pg.c for
 * analyze-sql --catalog-dsn, ref_collect_pg.c for collect --catalog), so
 * the catalog the analysis sees cannot drift from the one sealed. */
#ifndef TS_PG_CATALOG_SQL_H
#define TS_PG_CATALOG_SQL_H

/* Over pg_class c: "view" or "table" (materialized views, foreign and
 * partitioned tables read like tables). */
#define TS_PG_REL_KIND "CASE c.relkind WHEN 'v' THEN 'view' ELSE 'table' END"

/* Over pg_class c: a view's definition, NULL for anything else. */
#define TS_PG_VIEW_DEFINITION                                                  \
    "CASE c.relkind WHEN 'v' THEN pg_catalog.pg_get_viewdef(c.oid) END"

/* Over pg_class c: its primary key, unique and exclusion constraints as a
 * JSON array of {"name", "columns"}, NULL when it has none. */
#define TS_PG_REL_KEYS                                                         \
    "(SELECT json_agg(json_build_object("                                      \
    "  'name', k.conname, 'columns', (SELECT json_agg(a.attname"               \
    "    ORDER BY u.ord) FROM unnest(k.conkey) WITH ORDINALITY"                \
    "    AS u(attnum, ord) JOIN pg_catalog.pg_attribute a"                     \
    "    ON a.attrelid = c.oid AND a.attnum = u.attnum))"                      \
    "  ORDER BY k.conname) FROM pg_catalog.pg_constraint k"                    \
    "  WHERE k.conrelid = c.oid AND k.contype IN ('p', 'u', 'x')"              \
    "  AND k.conkey IS NOT NULL)"

#endif
