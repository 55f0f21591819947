/* The catalog's layout, shared by the JSON reader and the libpq dump. */
#ifndef TS_SQL_CATALOG_INTERNAL_H
#define TS_SQL_CATALOG_INTERNAL_H

#include "ingest/sql_internal.h"

struct ts_catalog {
    ts_catalog_rel *rels;
    size_t n_rels;
    char **search_path;
    size_t n_search_path;
};

#endif
