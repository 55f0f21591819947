/* Private declarations of the report module: controls.yaml, the set of
 * tables holding personal data, and the workbook writer that works on a bare
 * SQLite index (so it can be tested without a store). */
#ifndef TS_REPORT_INTERNAL_H
#define TS_REPORT_INTERNAL_H

#include <pthread.h>
#include <sqlite3.h>
#include <stddef.h>
#include <stdint.h>
#include <time.h>
#include <xlsxwriter.h>
#include <yaml.h>
#include <openssl/evp.h>

#include "common/common.h"
#include "trailseal/report.h"
#include "trailseal/store.h"

/* ---- controls.yaml (controls.c) -------------------------------------- */

#define TS_CONTROLS_MAX_FILE_SIZE ((size_t)1 << 20)
#define TS_CONTROLS_MAX_CLASSES 256
#define TS_CONTROLS_MAX_LIST 1024 /* patterns or tables in one class */
#define TS_CONTROLS_MAX_TEXT 1024 /* bytes in one scalar */

/* One data class: which columns and tables hold it, and who may touch it. */
typedef struct ts_data_class {
    char *id;               /* unique, e.g. "email" */
    char *description;      /* "" when absent */
    char **column_patterns; /* fnmatch globs, lowercased */
    size_t n_column_patterns;
    char **tables; /* object names as the audit log spells them */
    size_t n_tables;
    char **allowed; /* identities, "kind:human" or "account:NAME" entries */
    size_t n_allowed;
    char **columns; /* schema.table.column globs, lowercased */
    size_t n_columns;
    char **types; /* catalog data type globs, lowercased */
    size_t n_types;
} ts_data_class;

/* One assertion of a control's test: an item is an exception when the SQL
 * expression `when` (over the population's columns) is true. */
typedef struct ts_assertion {
    char *when;
    char *reason;
} ts_assertion;

/* A named parameter a control's population SQL binds as :name. Scalars are
 * bound as integers when they read as one, else as text; lists as a JSON
 * array of strings (use json_each(:name)). */
typedef struct ts_control_param {
    char *name;
    char *value; /* text, or the JSON array */
    int is_list;
} ts_control_param;

typedef struct ts_control {
    char *id; /* unique: letters, digits, '-', '_', '.' */
    char *title;
    char *description; /* "" when absent */
    char *owner;       /* "" when absent */
    char *frequency;   /* continuous | daily | weekly | monthly | quarterly |
                          annual */
    char *nature;      /* preventive | detective */
    char *lane;        /* census | sample */
    char *severity;    /* high | medium | low */
    char *sheet;       /* worksheet name, NULL: no sheet of its own */
    int key;           /* a key control */
    char **criteria;   /* SOC 2 criteria ids, e.g. CC6.1 */
    size_t n_criteria;
    char *population; /* SQL */
    ts_assertion *assertions;
    size_t n_assertions;
    ts_control_param *params;
    size_t n_params;
} ts_control;

/* The sample size for a control of `frequency` whose population has at
 * most `up_to` items (-1: any size). */
typedef struct ts_sampling_rule {
    char *frequency;
    int64_t up_to;
    int64_t size;
} ts_sampling_rule;

/* An accepted exception: items of `control` matching the glob `item`
 * ("*" = all) are waived until `expires_us`. */
typedef struct ts_waiver {
    char *control;
    char *item;
    char *justification;
    char *approver;
    int64_t expires_us;
} ts_waiver;

#define TS_CONTROLS_MAX_CONTROLS 512
#define TS_CONTROLS_MAX_SQL ((size_t)64 << 10)

/* Severity levels and how many unwaived exceptions each tolerates before
 * the control is ineffective rather than effective with exceptions. */
enum { TS_SEV_HIGH, TS_SEV_MEDIUM, TS_SEV_LOW, TS_SEV_COUNT };

/* A parsed controls.yaml. */
typedef struct ts_controls {
    char *path;                     /* as given to ts_controls_load */
    long version;                   /* 1 */
    uint8_t sha256[TS_SHA256_SIZE]; /* of the exact bytes parsed */
    ts_data_class *classes;
    size_t n_classes;
    char *entity; /* the audited organisation, "" when absent */
    ts_control *controls;
    size_t n_controls;
    ts_sampling_rule *sampling; /* defaults when the file has none */
    size_t n_sampling;
    int64_t tolerance[TS_SEV_COUNT];
    unsigned tolerance_set; /* bits of the severities the file set */
    char *waivers_path;     /* resolved against the file's directory, or NULL */
    ts_waiver *waivers;
    size_t n_waivers;
} ts_controls;

/* Parsing state: the document and where messages point. */
typedef struct ts_yaml_ctx {
    yaml_document_t *doc;
    const char *name;
    ts_controls *controls;
    ts_error *err;
} ts_yaml_ctx;

/* ---- YAML nodes (yaml_node.c): strict typed readers; every failure is
 * one line "name:LINE:COL: problem" in ctx->err. Strings are new. */
int ts_yaml_fail(ts_yaml_ctx *ctx, const yaml_node_t *node, const char *what);
int ts_yaml_oom(ts_yaml_ctx *ctx);
char *ts_yaml_lowercase(char *s);
yaml_node_t *ts_yaml_node(ts_yaml_ctx *ctx, yaml_node_item_t item);
size_t ts_yaml_count(const yaml_node_t *node); /* list items / map pairs */
int ts_yaml_key_is(const yaml_node_t *key, const char *name);
int ts_yaml_scalar(ts_yaml_ctx *ctx, const yaml_node_t *node, const char *what,
                   char **out); /* up to TS_CONTROLS_MAX_TEXT bytes */
int ts_yaml_text(ts_yaml_ctx *ctx, const yaml_node_t *node, const char *what,
                 size_t max, char **out);
int ts_yaml_strings(ts_yaml_ctx *ctx, const yaml_node_t *node, const char *what,
                    int lower, char ***out, size_t *n_out);
int ts_yaml_int(ts_yaml_ctx *ctx, const yaml_node_t *node, const char *what,
                int64_t min, int64_t max, int64_t *out);
int ts_yaml_bool(ts_yaml_ctx *ctx, const yaml_node_t *node, const char *what,
                 int *out);
int ts_yaml_time(ts_yaml_ctx *ctx, const yaml_node_t *node, const char *what,
                 int64_t *out);
/* choices ends with NULL */
int ts_yaml_one_of(ts_yaml_ctx *ctx, const yaml_node_t *node, const char *what,
                   const char *const *choices, char **out);

/* ---- controls, sampling, tolerance, waivers (controls_items.c) -------- */
int ts_controls_parse_controls(ts_yaml_ctx *ctx, const yaml_node_t *node);
int ts_controls_parse_sampling(ts_yaml_ctx *ctx, const yaml_node_t *node);
int ts_controls_parse_tolerance(ts_yaml_ctx *ctx, const yaml_node_t *node);
/* Reads the waivers file (a YAML list) at c->waivers_path. */
int ts_controls_load_waivers(ts_controls *c, ts_error *err);
/* Fills defaults for what the file left out (sampling table, tolerance). */
int ts_controls_defaults(ts_controls *c, ts_error *err);
void ts_controls_items_free(ts_controls *c);
/* Frees n strings and the array; accepts NULL. */
void ts_free_strings(char **list, size_t n);
/* TS_SEV_* of "high", "medium", "low". */
int ts_severity_index(const char *severity);

/* Reads and parses controls.yaml at `path`. Errors are one line starting
 * "path:LINE:COL: " (TS_EINVAL), or TS_EIO / TS_ELIMIT for the file itself.
 * *out is the caller's, released with ts_controls_free(). */
int ts_controls_load(ts_controls **out, const char *path, ts_error *err);

/* Parses `len` bytes of YAML; `name` is used in messages and kept as path. */
int ts_controls_parse(ts_controls **out, const char *name, const char *text,
                      size_t len, ts_error *err);

/* Reads a whole regular file of at most TS_CONTROLS_MAX_FILE_SIZE bytes;
 * *out (not terminated) is the caller's to free. */
int ts_controls_read_file(const char *path, char **out, size_t *out_len,
                          ts_error *err);

/* Appends text as a JSON string (quotes and escapes) to out. */
int ts_json_string(ts_buf *out, const char *text, ts_error *err);

/* Accepts NULL. */
void ts_controls_free(ts_controls *controls);

/* 1 when `column` (any case) matches one of the class's patterns. */
int ts_data_class_matches(const ts_data_class *cls, const char *column);

/* ---- DDL column names (ddl.c) ----------------------------------------- */

/* Called for each column a statement declares: `table` is the table's name
 * as written, possibly qualified ("public.customers"; "" when unreadable),
 * `column` the column's. Unquoted parts are lowercased, quoted ones kept as
 * written (without quotes). Return non-zero to stop (that value is returned
 * by ts_ddl_columns). */
typedef int (*ts_ddl_column_fn)(void *ctx, const char *table,
                                const char *column);

/* Finds the columns a CREATE TABLE (column list) or ALTER TABLE (ADD
 * COLUMN, RENAME COLUMN ... TO, MySQL CHANGE) statement declares. Other
 * statements declare none. Tolerates truncated or redacted text. */
int ts_ddl_columns(const char *sql, ts_ddl_column_fn fn, void *ctx);

/* ---- tables holding personal data (personal.c) ------------------------ */

/* One table and the data classes it holds. */
typedef struct ts_personal_table {
    char *name;             /* object name as the audit log spells it */
    unsigned char *classes; /* n_classes flags, in controls.yaml order */
} ts_personal_table;

typedef struct ts_personal_tables {
    ts_personal_table *tables; /* sorted by name */
    size_t n_tables;
    size_t n_classes;
} ts_personal_tables;

#define TS_PERSONAL_MAX_TABLES 100000

/* Distinct names (ts_strmap over items whose first member is the
 * name): the audit log's object names, gathered by ts_report_event_days. */
typedef struct ts_name_item {
    char *name;
} ts_name_item;

typedef struct ts_name_set {
    ts_strmap map;
    ts_name_item *items; /* map.n in use */
    size_t size;
} ts_name_set;

void ts_name_set_release(ts_name_set *set);

/* The seam for column-level analysis: which tables hold personal data and
 * of which classes. Today: the tables controls.yaml lists, plus tables whose
 * CREATE TABLE / ALTER TABLE in v_audit (entries below max_seq) declares a
 * column matching a class's patterns. Names are those the audit log uses
 * for objects: a name from controls.yaml or from DDL text (pgAudit leaves
 * object_name empty on SESSION DDL rows) is resolved against v_audit's
 * object names, case-insensitively, an unqualified one matching that table
 * in any schema; audit_objects, when not NULL, holds those names already
 * (ts_report_event_days), else they are read here. `controls` may be NULL
 * (no tables). Release *out with ts_personal_tables_release(). */
int ts_personal_tables_find(sqlite3 *db, const ts_controls *controls,
                            int64_t max_seq, const ts_name_set *audit_objects,
                            ts_personal_tables *out, ts_error *err);

void ts_personal_tables_release(ts_personal_tables *tables);

/* "email, ssn": the class ids of one table, into buf. */
void ts_personal_table_classes(const ts_personal_table *table,
                               const ts_controls *controls, char *buf,
                               size_t size);

/* ---- writing worksheets (xlsx.c) -------------------------------------- */

/* Excel's limit on characters in a cell; longer text is cut and marked. */
#define TS_XLSX_CELL_MAX 32767

typedef enum ts_col_kind {
    TS_COL_TEXT, /* text as stored */
    TS_COL_TIME, /* µs since the epoch, shown as ISO 8601 text */
    TS_COL_INT   /* an integer, shown as a number */
} ts_col_kind;

typedef struct ts_sheet_col {
    const char *title;
    double width;
    ts_col_kind kind;
} ts_sheet_col;

/* The workbook being written. */
typedef struct ts_xlsx {
    lxw_workbook *wb;
    lxw_format *bold;
    lxw_format *wrap; /* multi-line text, top aligned */
    const char *path; /* the final workbook path, for messages */
    ts_buf text;      /* cell text being cleaned */
} ts_xlsx;

/* One worksheet; rows are written strictly in order (constant memory). */
typedef struct ts_sheet {
    lxw_worksheet *ws;
    const char *name;
    lxw_row_t row;        /* next row to write */
    lxw_row_t header_row; /* the row of column titles */
    lxw_col_t n_cols;
    uint64_t rows;    /* data rows written */
    uint64_t dropped; /* data rows past Excel's row limit, not written */
} ts_sheet;

/* Writes the bold title row and sets column widths. */
int ts_sheet_header(ts_xlsx *x, ts_sheet *s, const ts_sheet_col *cols,
                    size_t n_cols, ts_error *err);

/* Starts a data row: 1 when it fits, 0 when past the row limit (counted in
 * s->dropped; skip the row's cells). */
int ts_sheet_row(ts_sheet *s);

/* Cells of the current row. NULL text writes nothing. Invalid UTF-8 is
 * replaced, overlong text cut at TS_XLSX_CELL_MAX characters. */
int ts_sheet_text(ts_xlsx *x, ts_sheet *s, lxw_col_t col, const char *text,
                  lxw_format *format, ts_error *err);
int ts_sheet_number(ts_xlsx *x, ts_sheet *s, lxw_col_t col, double value,
                    lxw_format *format, ts_error *err);

/* Freezes the title row and puts an autofilter over the table. */
int ts_sheet_finish(ts_xlsx *x, ts_sheet *s, ts_error *err);

/* Writes the title row, then one row per result of stmt (its columns in
 * the order and kinds of cols), then finishes the sheet. */
int ts_sheet_write_query(ts_xlsx *x, ts_sheet *s, sqlite3_stmt *stmt,
                         const ts_sheet_col *cols, size_t n_cols,
                         ts_error *err);

/* ---- the data sheets (sheets.c) --------------------------------------- */

/* Which events a report covers. */
typedef struct ts_report_scope {
    int64_t since_us; /* inclusive */
    int64_t until_us; /* exclusive */
    int open;         /* no bounds: events of unknown time count too */
    int64_t max_seq;  /* entries the cover's checkpoint covers */
} ts_report_scope;

/* One data sheet: its name, its query and its columns. */
typedef struct ts_sheet_def {
    const char *name;
    const char *sql; /* may use :since :until :open :max_seq :tables */
    const ts_sheet_col *cols;
    size_t n_cols;
} ts_sheet_def;

/* The data sheets, in workbook order after the cover. */
extern const ts_sheet_def ts_report_sheet_defs[];
extern const size_t ts_report_n_sheet_defs;

/* Runs def's query over db with the scope and `tables_json` ({"table":
 * "classes", ...}) bound, writing the sheet. */
int ts_report_write_sheet(ts_xlsx *x, ts_sheet *s, sqlite3 *db,
                          const ts_sheet_def *def, const ts_report_scope *scope,
                          const char *tables_json, ts_error *err);

/* The personal tables as a JSON object of name -> "class, class", into
 * out (terminated). */
int ts_report_tables_json(const ts_personal_tables *tables,
                          const ts_controls *controls, ts_buf *out,
                          ts_error *err);

/* ---- the workbook (workbook.c) ---------------------------------------- */

/* What the cover says about the store; ts_report_write gathers it. */
/* A step run in a thread of its own (bg_job.c): fn(arg, err), its result
 * and its timing kept for ts_bg_job_wait. */
typedef int (*ts_bg_fn)(void *arg, ts_error *err);

typedef struct ts_bg_job {
    ts_bg_fn fn;
    void *arg;
    const char *label; /* for --timings */
    pthread_t thread;
    int started; /* ts_bg_job_start was called */
    int running; /* a thread runs it and was not joined yet */
    int rc;
    ts_error err;
    double wall_s, cpu_s;
} ts_bg_job;

/* Starts fn(arg) in a second thread; without one, runs it at once. */
void ts_bg_job_start(ts_bg_job *job, const char *label, ts_bg_fn fn, void *arg);

/* Waits for the job (once; later calls return the same; a zeroed job never
 * started returns 0), prints its timing line when `timings` is not NULL
 * and it ran in a thread, and returns its result, with its error in *err
 * (when err is not NULL). */
int ts_bg_job_wait(ts_bg_job *job, FILE *timings, ts_error *err);

/* The chain's verification, run in a second thread (verify_job.c). */
typedef struct ts_verify_job {
    const char *store_path;
    ts_verify_report report;
    ts_bg_job bg;
} ts_verify_job;

/* Starts verifying the chain of `store` (its path, opened again read-only)
 * in a second thread; without one, verifies at once. */
void ts_verify_job_start(ts_verify_job *job, ts_store *store);

/* Waits for the verification (once; later calls return the same), prints
 * its timing line when `timings` is not NULL, and returns its result, with
 * its error in *err. */
int ts_verify_job_wait(ts_verify_job *job, FILE *timings, ts_error *err);

/* Closing the workbook (libxlsxwriter deflates every sheet into the zip),
 * run in a thread of its own beside the proofs (workbook_job.c). */
typedef struct ts_workbook_job {
    lxw_workbook *wb; /* owned until the job ends */
    char tmp[4096];   /* written here, */
    char path[4096];  /* renamed here when complete */
    ts_bg_job bg;
} ts_workbook_job;

/* Closes wb into tmp and syncs it, in a second thread (at once, in line,
 * when none can be started). */
void ts_workbook_job_start(ts_workbook_job *job, lxw_workbook *wb,
                           const char *tmp, const char *path);

/* Waits for the close (a zeroed job never started returns 0), prints its
 * timing line when `timings` is not NULL, then renames tmp to path when
 * `keep` and the close succeeded, else removes tmp: no file is left at
 * path unless the pack was written. Its error in *err when err is not
 * NULL. */
int ts_workbook_job_finish(ts_workbook_job *job, int keep, FILE *timings,
                           ts_error *err);

typedef struct ts_report_cover {
    const char *store_path; /* may be NULL */
    const char *origin;     /* may be NULL */
    const char *checkpoint; /* newest note; NULL when none */
    /* the verification: read *verify only after ts_verify_job_wait(job) */
    const ts_verify_report *verify;
    ts_verify_job *verify_job;
    /* OUT, when not NULL: the entries of every sample and exception, for
     * their proofs (the caller frees *proof_entries) */
    uint64_t **proof_entries;
    size_t *n_proof_entries;
    /* when not NULL, the workbook is closed by this job, which the caller
     * must wait for; when NULL, before ts_report_write_index returns */
    ts_workbook_job *workbook_job;
} ts_report_cover;

/* The newest checkpoint, parsed from its note. */
typedef struct ts_checkpoint_info {
    int ok; /* 0 when there is no note or it does not parse */
    uint64_t tree_size;
    char root_b64[64];
    char root_hex[2 * TS_SHA256_SIZE + 1];
} ts_checkpoint_info;

/* Parses the note's 2nd (tree size) and 3rd (base64 root) lines. */
void ts_checkpoint_info_parse(ts_checkpoint_info *out, const char *note);

/* Writes <opts->out_dir>/evidence.xlsx from the index in `db` (read only),
 * with the cover from `cover`. `controls` may be NULL. Rows are limited to
 * the period and, when the checkpoint parses, to entries it covers. */
int ts_report_write_index(sqlite3 *db, const ts_report_cover *cover,
                          const ts_controls *controls,
                          const ts_report_options *opts, ts_report_result *out,
                          ts_error *err);

/* ---- query results stepped ahead in a second thread (row_feed.c) ------- */

typedef struct ts_row_feed ts_row_feed;
typedef struct ts_row_reader ts_row_reader;

#define TS_ROW_FEED_MAX_READERS 2

/* Starts stepping stmts[0..n) (prepared and bound, all on one connection)
 * in order in a second thread, for `readers` readers (1 or 2), each
 * reading every row; when no thread can be started, the statements are
 * stepped as the one reader reads (ts_row_feed_readers then says 1).
 * Until ts_row_feed_stop, nothing else may use that connection or the
 * statements. stmts must outlive the feed; the caller finalizes them after
 * ts_row_feed_stop. */
int ts_row_feed_start(ts_row_feed **out, sqlite3_stmt *const *stmts, size_t n,
                      int readers, ts_error *err);
int ts_row_feed_readers(const ts_row_feed *f);

/* Reader i (0 or 1), owned by the feed; a reader is used by one thread. */
ts_row_reader *ts_row_feed_reader(ts_row_feed *f, int i);

/* Moves to the next statement: its columns' count and names are known
 * from here until the next ts_row_reader_begin. */
int ts_row_reader_begin(ts_row_reader *r, ts_error *err);
int ts_row_reader_columns(const ts_row_reader *r);
const char *ts_row_reader_name(const ts_row_reader *r, int i);

/* The statement's next row (*has_row 1), or its end (*has_row 0; then
 * ts_row_reader_begin for the next one). A failed step is TS_EDB with
 * SQLite's message; a feed cancelled or out of memory, TS_ENOMEM. */
int ts_row_reader_next(ts_row_reader *r, int *has_row, ts_error *err);

/* The row's columns, as sqlite3_column_type/int64/double/text give them:
 * text (NULL for SQL NULL) is valid until the next ts_row_reader_next. */
int ts_row_reader_type(const ts_row_reader *r, int i);
int64_t ts_row_reader_int64(const ts_row_reader *r, int i);
double ts_row_reader_double(const ts_row_reader *r, int i);
const char *ts_row_reader_text(const ts_row_reader *r, int i);

/* The reader reads no more (it failed, or it never started): the others
 * go on without waiting for it. */
void ts_row_reader_close(ts_row_reader *r);

/* Makes the producer stop (a running query cut short) and every waiting
 * reader return; the feed stays allocated until ts_row_feed_stop. */
void ts_row_feed_cancel(ts_row_feed *f);

/* Cancels, joins the producer and frees the feed and its readers (join
 * any thread reading first); the connection is the caller's again. NULL
 * is ignored. */
void ts_row_feed_stop(ts_row_feed *f);

/* ---- population CSV files (csv_out.c) --------------------------------- */

typedef struct ts_csv {
    const char *path; /* borrowed, for messages */
    int fd;
    EVP_MD_CTX *md;
    ts_buf buf;
    uint64_t bytes; /* written so far */
    int at_row_start;
} ts_csv;

/* Creates (truncates) path, refusing a symlink there. ts_csv_close or
 * ts_csv_release must follow, even after a failure. */
int ts_csv_open(ts_csv *csv, const char *path, ts_error *err);
/* One field; NULL is an empty field. */
int ts_csv_field(ts_csv *csv, const char *text, ts_error *err);
int ts_csv_end_row(ts_csv *csv, ts_error *err);
/* Flushes, syncs and closes; sha256_hex gets the file's hash. */
int ts_csv_close(ts_csv *csv, char sha256_hex[2 * TS_SHA256_SIZE + 1],
                 ts_error *err);
void ts_csv_release(ts_csv *csv);

/* ---- testing one control (control_run.c, sampling.c) ----------------- */

typedef enum ts_control_status {
    TS_STATUS_NOT_OCCURRING,   /* empty population */
    TS_STATUS_EFFECTIVE,       /* no unwaived exception */
    TS_STATUS_WITH_EXCEPTIONS, /* unwaived exceptions within tolerance */
    TS_STATUS_INEFFECTIVE      /* more than the severity tolerates */
} ts_control_status;

const char *ts_control_status_name(ts_control_status status);

/* One population item that is an exception, or one sampled item. */
typedef struct ts_control_item {
    uint64_t row;        /* 1-based row in the population (and its CSV) */
    int64_t entry_index; /* the item's entry_index column, -1 none */
    int64_t time_us;     /* its time_us column, INT64_MIN none */
    char *item;          /* its item column, or its first column */
    char *reasons;       /* exceptions: the rules' reasons, "; " between */
    long waiver;         /* index into controls->waivers, -1 none */
} ts_control_item;

#define TS_CONTROL_MAX_EXCEPTIONS 100000 /* kept per control; more counted */
#define TS_CONTROL_MAX_SAMPLE 100000

/* ---- scratch files (temp_file.c) --------------------------------------- */

/* A new file "<dir>/.<name>.XXXXXX", unlinked at once (so no run leaves it
 * behind), open for writing and reading back: in the pack directory, not
 * a shared /tmp that may be small or RAM. *out is the caller's. */
int ts_report_temp_file(const char *dir, const char *name, FILE **out,
                        ts_error *err);

/* ---- a control's kept exceptions, spooled (exception_spool.c) --------- */

typedef struct ts_exception_spool {
    const char *dir; /* where the file goes (the pack directory) */
    FILE *f;         /* unlinked temporary file, opened at the first add */
    uint64_t n;      /* records */
} ts_exception_spool;

void ts_exception_spool_init(ts_exception_spool *s, const char *dir);
int ts_exception_spool_add(ts_exception_spool *s, const ts_control_item *it,
                           ts_error *err);
/* Before the first reader: what was added reaches the file. */
int ts_exception_spool_flush(ts_exception_spool *s, ts_error *err);
void ts_exception_spool_close(ts_exception_spool *s);

/* Reads a flushed spool from its start, with pread: any number of readers
 * at once, on any thread. */
typedef struct ts_exception_reader {
    int fd;
    uint64_t off;  /* of the file, read so far */
    uint64_t left; /* records */
    char *buf;     /* read ahead: [at, len) not yet taken */
    size_t cap, len, at;
    char *text; /* the current record's item and reasons */
    size_t text_cap;
    ts_control_item item; /* the current record; strings valid until next */
} ts_exception_reader;

void ts_exception_reader_open(ts_exception_reader *r,
                              const ts_exception_spool *s);
/* 1 with the next record in r->item, 0 after the last, else an error. */
int ts_exception_reader_next(ts_exception_reader *r, ts_error *err);
void ts_exception_reader_close(ts_exception_reader *r);

typedef struct ts_control_result {
    const ts_control *control;
    uint64_t population;
    char population_sha256[2 * TS_SHA256_SIZE + 1];
    char csv_name[128]; /* "populations/<id>.csv", relative to the pack */
    ts_exception_spool exceptions; /* the kept ones, in row order */
    size_t n_exceptions;           /* kept */
    uint64_t exceptions_all;       /* found, kept or not */
    uint64_t waived;
    char seed[2 * TS_SHA256_SIZE + 1]; /* sample lane only, else "" */
    int64_t sample_size;               /* the table's size; 0 census */
    ts_control_item *samples;          /* in row order */
    size_t n_samples;
    ts_control_status status;
    uint64_t sheet_rows; /* rows on its sheet (0 when it has none) */
} ts_control_result;

void ts_control_result_release(ts_control_result *r);

/* ---- a sample-lane population's items, spooled (item_spool.c) ---------- */

typedef struct ts_item_spool {
    FILE *f;       /* unlinked temporary file in the pack directory */
    uint64_t rows; /* items spooled */
} ts_item_spool;

int ts_item_spool_open(ts_item_spool *s, const char *dir, ts_error *err);
int ts_item_spool_add(ts_item_spool *s, int64_t entry_index, int64_t time_us,
                      const char *item, ts_error *err);
/* Fills out[i] (reasons NULL, no waiver) with spooled row rows[i]; rows are
 * 1-based and ascending. The caller frees the items it got on failure. */
int ts_item_spool_read(ts_item_spool *s, const uint64_t *rows, size_t n,
                       ts_control_item *out, ts_error *err);
void ts_item_spool_close(ts_item_spool *s);

/* What every population query can bind, besides the control's own
 * parameters: the period and the checkpoint bound, and JSON built from
 * controls.yaml and the index. */
typedef struct ts_control_env {
    sqlite3 *db;
    const ts_controls *controls;
    const char *out_dir;         /* the pack directory; populations/ exists */
    const char *period;          /* label, e.g. 2026-Q3 */
    int64_t since_us;            /* inclusive */
    int64_t until_us;            /* exclusive */
    int64_t min_seq;             /* no event of the period before it */
    int64_t max_seq;             /* entries the checkpoint covers */
    const char *verdict;         /* intact | tampered | ... */
    const char *personal_tables; /* {"schema.table": "classes"} */
    const char *classified_columns; /* {"schema.table.column": "classes"} */
    const char *class_allowed;      /* {"class": ["who", ...]} */
    const char *class_tables;       /* {"class": ["schema.table", ...]} */
    ts_xlsx *x;                     /* where sheets go */
} ts_control_env;

/* 1 and *out when parameter p binds as an integer (not a list, and all
 * digits), else 0: it binds as text. */
int ts_control_param_integer(const ts_control_param *p, int64_t *out);

/* Writes <env->out_dir>/populations/parameters.json: every built-in
 * parameter and every control's own, each exactly as the populations bind
 * it (integers as numbers, the rest as strings), so a population re-runs
 * in the sqlite3 shell (parameters_file.c). */
int ts_report_write_parameters(const ts_control_env *env, ts_error *err);

/* Prepares control c's population (with its exception rules as extra
 * columns) on env->db and binds its parameters; a clear message when it
 * is not one read-only SELECT or names an unknown parameter. */
int ts_control_prepare(const ts_control_env *env, const ts_control *c,
                       sqlite3_stmt **out, ts_error *err);

/* Reads control c's population from `rows` (its statement from
 * ts_control_prepare is the reader's next), writes populations/<id>.csv
 * and, when `sheet` is not NULL, that sheet (already added to the
 * workbook), and draws the sample. */
int ts_control_run(const ts_control_env *env, const ts_control *c,
                   ts_row_reader *rows, ts_sheet *sheet, ts_control_result *out,
                   ts_error *err);

/* Reads control c's population from a second reader of the same feed and
 * writes `sheet` (its rows with the exception column) and finishes it; with
 * sheet NULL, reads past it. */
int ts_control_write_sheet(const ts_control_env *env, const ts_control *c,
                           ts_row_reader *rows, ts_sheet *sheet, ts_error *err);

/* The sample size the table gives for a population (0: census). */
int64_t ts_sample_size(const ts_controls *controls, const char *frequency,
                       uint64_t population);

/* The sample seed: hex SHA-256 of "trailseal-sample-v1\n" period "\n" id
 * "\n" population_sha256 "\n". */
void ts_sample_seed(const char *period, const char *control_id,
                    const char *population_sha256,
                    char seed_hex[2 * TS_SHA256_SIZE + 1]);

/* A row's rank: SHA-256(seed bytes || row as 8 big-endian bytes). The
 * sample is the `size` rows of lowest rank. */
void ts_sample_rank(const uint8_t seed[TS_SHA256_SIZE], uint64_t row,
                    uint8_t rank[TS_SHA256_SIZE]);

/* The sample of a population of `population` rows: into rows (room for
 * `size`), the min(size, population) rows of lowest rank in row order,
 * their number in *out_n. 0, or -1 when out of memory. */
int ts_sample_rows(const uint8_t seed[TS_SHA256_SIZE], uint64_t population,
                   size_t size, uint64_t *rows, size_t *out_n);

/* ---- summary sheets (summary_sheets.c): each writes its title row, one
 * row per control / criterion / item, and finishes the sheet. ---------- */
int ts_report_write_matrix(ts_xlsx *x, ts_sheet *s, const ts_control_result *r,
                           size_t n, ts_error *err);
int ts_report_write_criteria(ts_xlsx *x, ts_sheet *s,
                             const ts_control_result *r, size_t n,
                             ts_error *err);
int ts_report_write_register(ts_xlsx *x, ts_sheet *s, const ts_control_env *env,
                             const ts_control_result *r, size_t n,
                             ts_error *err);
int ts_report_write_samples(ts_xlsx *x, ts_sheet *s, const ts_control_result *r,
                            size_t n, ts_error *err);
int ts_report_write_results(ts_xlsx *x, ts_sheet *s, const ts_controls *cs,
                            const ts_control_result *r, size_t n,
                            ts_error *err);
int ts_report_write_exceptions(ts_xlsx *x, ts_sheet *s, const ts_controls *cs,
                               const ts_control_result *r, size_t n,
                               ts_error *err);
int ts_report_write_waivers(ts_xlsx *x, ts_sheet *s, const ts_controls *cs,
                            const ts_control_result *r, size_t n,
                            int64_t until_us, ts_error *err);

/* ---- JSON for population queries (controls_env.c); both NUL-terminated */

/* controls.yaml's data classes as class rules (trailseal/classes.h);
 * *out is the caller's, freed with ts_class_rules_free. */
struct ts_class_rule;
int ts_class_rules_from_controls(struct ts_class_rule **out, size_t *out_n,
                                 const ts_controls *cs, ts_error *err);

/* {"schema.table.column": ["class", ...]} for every analysed column that a
 * data class's patterns or tables cover. */
int ts_report_classified_columns(sqlite3 *db, const ts_controls *cs,
                                 ts_buf *out, ts_error *err);
/* {"class": ["allowed", ...]} */
int ts_report_class_allowed(const ts_controls *cs, ts_buf *out, ts_error *err);
/* :class_tables, {"class": ["schema.table", ...]}: each class's `tables`. */
int ts_report_class_tables(const ts_controls *cs, ts_buf *out, ts_error *err);

/* Fills temp.v_event_days with the rows of the index's view v_event_days
 * (event_days.c), replacing any copy before; when audit_objects is not
 * NULL, the same pass fills it with the object names of the audit events
 * below max_seq (release it with ts_name_set_release). */
int ts_report_event_days(sqlite3 *db, int64_t max_seq,
                         ts_name_set *audit_objects, ts_error *err);

/* 1 when sql, a query of the schema (sqlite_master, pragma_table_info),
 * yields a row; 0 when not, or when it fails (schema_probe.c). */
int ts_report_schema_has(sqlite3 *db, const char *sql);

/* :min_seq, the first entry that can hold an event at or after since_us
 * (event_spans); 0 when since_us is open or the spans cannot tell. */
int ts_report_min_seq(sqlite3 *db, int64_t since_us, int64_t *out,
                      ts_error *err);

/* Creates dir (0755) unless it is already a directory; refuses symbolic
 * links and anything else (workbook.c). */
int ts_report_ensure_dir(const char *dir, ts_error *err);

/* ---- report --timings (step_timer.c) ------------------------------------ */

/* Times the steps of a report: each lap prints what was done since the
 * previous lap (or the start) to `out`; nothing when `out` is NULL. */
typedef struct ts_step_timer {
    FILE *out;
    double wall, cpu; /* at the previous lap, seconds */
} ts_step_timer;

/* clock_gettime(id) in seconds; 0 when the clock cannot be read. */
double ts_clock_seconds(clockid_t id);

void ts_step_timer_start(ts_step_timer *t, FILE *out);
void ts_step_timer_lap(ts_step_timer *t, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

/* ---- results.json (results_json.c) ------------------------------------ */

typedef struct ts_results_facts {
    const char *dir;    /* the pack directory */
    const char *period; /* label */
    int64_t since_us, until_us;
    const char *store_path, *origin;
    uint64_t tree_size; /* of the checkpoint the pack is built on */
    const char *verdict;
    const ts_controls *controls; /* may be NULL */
    const ts_control_result *results;
    size_t n_results;
} ts_results_facts;

/* Writes <dir>/results.json (replaced atomically). Its shape is documented
 * in schemas/results.schema.md. */
int ts_report_write_results_json(const ts_results_facts *f, ts_error *err);

/* The Charts sheet (charts.c): events per day per source format, and
 * classified-column accesses per identity, each with its chart. */
/* The who-touched-classified-columns query of the Charts sheet, run in a
 * second thread with its own read-only connection (charts.c). */
#define TS_CHART_MAX_WHO 30

typedef struct ts_chart_job {
    const ts_control_env *env; /* must outlive the job */
    char path[4096];           /* the store file */
    pthread_t thread;
    int running;    /* started and not yet joined */
    int done;       /* the rows below are final */
    int stale;      /* its snapshot was not the report's: run again in line */
    char state[64]; /* newest entry and reference snapshot, as the report
                     * read them */
    int rc;
    ts_error err;
    char who[TS_CHART_MAX_WHO][128];
    int64_t accesses[TS_CHART_MAX_WHO];
    size_t n_who;
} ts_chart_job;

/* Starts the query over env (its database file opened again read-only);
 * without a thread or a file, it runs in ts_report_write_charts. */
void ts_chart_job_start(ts_chart_job *job, const ts_control_env *env);

/* Waits for the thread, if one runs (the error paths: no thread outlives
 * the report). */
void ts_chart_job_join(ts_chart_job *job);

int ts_report_write_charts(ts_xlsx *x, ts_sheet *s, const ts_control_env *env,
                           ts_chart_job *job, ts_error *err);

#endif
