/* Readers: turning files and streams of a known format into sources of entries.
 */
#ifndef TRAILSEAL_INGEST_H
#define TRAILSEAL_INGEST_H

#include "trailseal/error.h"
#include "trailseal/source.h"

#ifdef __cplusplus
extern "C" {
#endif

/* Opens a reader for `path` ("-" reads standard input) in `format`.
 * Formats: "pg-stderr" (config = the server's log_line_prefix, required),
 * "pg-csvlog", "pg-jsonlog" (config ignored), "mariadb-audit" (config =
 * the server's UTC offset, NULL or "" for UTC), "mysql-audit-json",
 * "percona-audit-json", "percona-audit-csv" (config ignored), the proxy
 * formats "teleport-audit", "hoop-audit", "rds-das" (config ignored) and
 * "generic-jsonl" (config = the mapping text, schemas/generic-jsonl.md,
 * required), "cnpg-json" (CloudNativePG's JSON lines; config ignored),
 * "pg-stat-csv" (pg_stat view exports, trailseal/pgstat.h; config
 * ignored), and "auto",
 * which recognises one of them from the first lines (a stderr log only when
 * config gives its prefix, or written with Amazon RDS's prefix; a MariaDB
 * log is then read as UTC). pg-stderr also reads lines wrapped by syslog
 * (BSD, rsyslog ISO and RFC 5424 headers). gzip and
 * zstd input is decompressed, for every format and on stdin too; positions,
 * lines and the source key are those of the decompressed stream.
 * On success *out is the caller's, released with ts_source_free().
 * Returns TS_EINVAL for an unknown format or a bad config, TS_EIO when the
 * file cannot be opened. */
int ts_source_open_file(ts_source **out, const char *format, const char *config,
                        const char *path, ts_error *err);

/* ts_source_open_file_flags flags. TS_SOURCE_GROWING: the file may still
 * be written, so an unterminated last line is not read (and not sealed):
 * the next run reads it from the saved cursor once it is complete; the
 * bytes left are in src->held. Ignored for compressed input, standard
 * input and pipes, and for rotated files (a name ending in ".N"), which
 * are complete. */
#define TS_SOURCE_GROWING 1u

/* ts_source_open_file with flags (0: read everything, as that does). */
int ts_source_open_file_flags(ts_source **out, const char *format,
                              const char *config, const char *path,
                              unsigned flags, ts_error *err);

/* Wraps `inner` in a source that analyses the SQL of each audit and
 * log_statement event (see trailseal/analyze.h) and fills the event's sql_*,
 * tables_* and columns_* fields; entries and cursor are the inner source's.
 * Takes ownership of inner, even on failure. catalog (NULL: none, names
 * resolve as written) is borrowed and must outlive the source. */
typedef struct ts_catalog ts_catalog;
int ts_source_analyzing(ts_source **out, ts_source *inner,
                        const ts_catalog *catalog, ts_error *err);

/* The catalogs a store holds, for ts_source_analyzing_timed: catalogs[i]
 * was taken at from_us[i] (ascending) and is ref_snapshots.id ids[i]. */
typedef struct ts_catalog_timeline {
    const ts_catalog *const *catalogs;
    const int64_t *from_us;
    const int64_t *ids;
    size_t n;
} ts_catalog_timeline;

/* ts_source_analyzing with the catalog in force when each statement ran:
 * the newest taken at or before the event's time (the oldest for an
 * event before every snapshot or without a time); the event's
 * sql_catalog names it. The catalogs are borrowed and must outlive the
 * source; n = 0 analyses without a catalog. */
int ts_source_analyzing_timed(ts_source **out, ts_source *inner,
                              const ts_catalog_timeline *timeline,
                              ts_error *err);

/* Template cache figures of an analysing source: statements analysed, of
 * which the template was already known, and distinct templates. Zeros for
 * any other source. */
void ts_source_analyzing_stats(const ts_source *src, uint64_t *lookups,
                               uint64_t *hits, uint64_t *templates);

/* The formats ts_source_open_file accepts, NULL-terminated. */
const char *const *ts_source_formats(void);

#ifdef __cplusplus
}
#endif
#endif
