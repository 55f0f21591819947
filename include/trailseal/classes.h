/* Data classes in the index: the rules that say which columns hold which
 * class (from controls.yaml), and `reindex`, which recomputes the index's
 * classification (schemas/index.sql: class_rules, column_classes,
 * event_value_classes) without touching the chain. */
#ifndef TRAILSEAL_CLASSES_H
#define TRAILSEAL_CLASSES_H

#include <stddef.h>
#include <stdint.h>

#include "trailseal/error.h"
#include "trailseal/store.h"

#ifdef __cplusplus
extern "C" {
#endif

/* One rule of a data class (schemas/index.sql, class_rules). */
typedef struct ts_class_rule {
    char *class_id; /* "ssn" */
    char *kind;     /* column_pattern | column | table | type */
    char *pattern;  /* lowercase; a GLOB for all kinds but table */
} ts_class_rule;

/* The rules of controls.yaml's data_classes (schemas/controls.schema.md):
 * column_patterns, columns, tables and types, in file order, fnmatch globs
 * turned into SQLite GLOBs. *out (OUT) is the caller's, freed with
 * ts_class_rules_free; *out_n may be 0. Errors as ts_report_write's for a
 * malformed controls.yaml ("FILE:LINE:COLUMN: problem"). */
int ts_class_rules_load(ts_class_rule **out, size_t *out_n, const char *path,
                        ts_error *err);
void ts_class_rules_free(ts_class_rule *rules, size_t n);

/* The value classes of one event (statement and bind parameters, either
 * may be NULL), as ts_sensitive_event_classes gives them. */
typedef size_t (*ts_value_classes_fn)(const char *statement,
                                      const char *parameter, const char **names,
                                      size_t max);

typedef struct ts_reindex_stats {
    uint64_t n_rules;          /* rules stored */
    uint64_t n_column_classes; /* (column, class, rule) rows */
    uint64_t n_columns;        /* distinct classified columns */
    uint64_t n_events_scanned; /* analysed statements whose values were
                                  checked */
    uint64_t n_value_classes;  /* (event, class) rows */
} ts_reindex_stats;

/* Recomputes the index's data classes in one transaction: when rules is
 * not NULL, replaces the stored rules with rules[0..n_rules) (n_rules may
 * be 0: no rules); then rebuilds column_classes from the stored rules, the
 * analysed columns and the newest catalog snapshot, and, when value_classes
 * is not NULL, event_value_classes from every analysed statement. Only
 * index tables change; the chain and checkpoints are not read or written.
 * Running it twice with the same input gives the same tables. The store
 * must be opened for writing (its key is not needed). *out (may be NULL)
 * receives counts. */
int ts_store_reindex(ts_store *store, const ts_class_rule *rules,
                     size_t n_rules, ts_value_classes_fn value_classes,
                     ts_reindex_stats *out, ts_error *err);

#ifdef __cplusplus
}
#endif
#endif
