/* Fuzz target: the SQL analysis (ingest/sql_analyze.c, the libpg_query walk
 * in sql_walk.c, sql_scope.c, sql_stmt.c, the MySQL rewrite in sql_mysql.c)
 * against a small catalog with a view. The first byte picks the dialect. */
#include <stdlib.h>
#include <string.h>

#include "ingest/sql_internal.h"
#include "tests/fuzz/fuzz.h"

static const char catalog_json[] =
    "{\"search_path\": [\"public\"], \"relations\": ["
    "{\"schema\": \"public\", \"name\": \"customers\", \"kind\": \"table\","
    " \"columns\": [\"id\", \"email\", \"ssn\", \"name\"]},"
    "{\"schema\": \"public\", \"name\": \"orders\", \"kind\": \"table\","
    " \"columns\": [\"id\", \"customer_id\", \"total\"]},"
    "{\"schema\": \"public\", \"name\": \"v_contacts\", \"kind\": \"view\","
    " \"columns\": [\"id\", \"email\"],"
    " \"definition\": \"SELECT id, email FROM public.customers\"}]}";

static void check_names(const ts_sql_names *n)
{
    for (size_t i = 0; i < n->n_items; i++)
        if (n->items[i] == NULL ||
            (i > 0 && strcmp(n->items[i - 1], n->items[i]) >= 0))
            ts_fuzz_fail("names are not sorted and distinct");
}

/* The list collapse of long statements (sql_collapse.c), reached by
 * putting the input after 16 KiB of spaces: what it returns is the
 * statement with parts left out, the spaces intact; marked, it holds the
 * mark. */
static void check_collapse(const uint8_t *data, size_t size, ts_sql_dialect d,
                           const char *mark)
{
    enum { PAD = 16384 };
    char *sql, *out = NULL;

    if (memchr(data, '\0', size) != NULL)
        return; /* the answer is a C string */
    sql = malloc(PAD + size + 1);
    if (sql == NULL)
        ts_fuzz_fail("out of memory");
    memset(sql, ' ', PAD);
    memcpy(sql + PAD, data, size);
    sql[PAD + size] = '\0';
    if (ts_sql_values_collapse(sql, PAD + size, d, mark, &out, NULL) == 0 &&
        out != NULL) {
        size_t n = strlen(out);
        if (strspn(out, " ") < PAD ||
            (mark == NULL ? n >= PAD + size : strstr(out, mark) == NULL))
            ts_fuzz_fail("the collapsed statement is not the statement"
                         " shortened");
    }
    free(out);
    free(sql);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    ts_catalog *catalog = NULL;
    ts_sql_analyzer *an = NULL;
    const ts_sql_analysis *a;
    ts_sql_dialect d;

    if (size == 0)
        return 0;
    d = (data[0] & 1) ? TS_SQL_MYSQL : TS_SQL_PG;
    check_collapse(data + 1, size - 1, d,
                   (data[0] & 2) ? TS_SQL_SHORTENED_MARK : NULL);
    if (ts_catalog_load_json(&catalog, catalog_json, sizeof(catalog_json) - 1,
                             NULL) != 0)
        ts_fuzz_fail("the built-in catalog does not load");
    if (ts_sql_analyzer_new(&an, catalog, NULL) != 0)
        ts_fuzz_fail("out of memory");
    /* twice: the second answer comes from the template cache */
    for (int i = 0; i < 2; i++) {
        if (ts_sql_analyze(an, (const char *)data + 1, size - 1, d, &a, NULL) ==
            0) {
            check_names(&a->tables_read);
            check_names(&a->tables_written);
            check_names(&a->columns_read);
            check_names(&a->columns_written);
        }
    }
    ts_sql_analyzer_free(an);
    ts_catalog_free(catalog);
    return 0;
}
