/* Worksheet helpers over libxlsxwriter: title rows, clean cells, row limit,
 * frozen headers and autofilters, and a query-to-sheet writer. */
#include <assert.h>
#include <string.h>

#include "report/report_internal.h"
#include "trailseal/time.h"

static const char truncated_mark[] = " [truncated]";

static int lxw_failed(const ts_xlsx *x, const ts_sheet *s, lxw_error e,
                      ts_error *err)
{
    return ts_error_set(
        err, e == LXW_ERROR_MEMORY_MALLOC_FAILED ? TS_ENOMEM : TS_EIO,
        "'%s': cannot write sheet '%s': %s", x->path, s->name, lxw_strerror(e));
}

/* Length of the valid UTF-8 sequence at p that XML allows, 0 when it is
 * not one (ts_utf8_seq, and not U+FFFE or U+FFFF). */
static size_t utf8_seq(const unsigned char *p)
{
    size_t n = ts_utf8_seq(p, 4);

    if (n == 3 && p[0] == 0xEF && p[1] == 0xBF &&
        (p[2] == 0xBE || p[2] == 0xBF))
        return 0;
    return n;
}

/* text itself when it is valid and short enough, else a cleaned copy in
 * x->text (invalid bytes become U+FFFD, overlong text is cut and marked). */
static int clean_text(ts_xlsx *x, const char *text, const char **out,
                      ts_error *err)
{
    static const char replacement[] = "\xEF\xBF\xBD";
    const unsigned char *p = (const unsigned char *)text;
    size_t chars = 0, keep;
    int clean = 1;
    int rc = 0;

    for (const unsigned char *q = p; *q; chars++) {
        size_t n = utf8_seq(q);
        if (n == 0) {
            clean = 0;
            n = 1;
        }
        q += n;
    }
    if (clean && chars <= TS_XLSX_CELL_MAX) {
        *out = text;
        return 0;
    }
    keep = chars <= TS_XLSX_CELL_MAX
               ? chars
               : TS_XLSX_CELL_MAX - (sizeof(truncated_mark) - 1);
    x->text.len = 0;
    for (chars = 0; rc == 0 && *p && chars < keep; chars++) {
        size_t n = utf8_seq(p);
        if (n == 0) {
            rc = ts_buf_append(&x->text, replacement, 3, err);
            p++;
        } else {
            rc = ts_buf_append(&x->text, p, n, err);
            p += n;
        }
    }
    if (rc == 0 && *p)
        rc = ts_buf_append(&x->text, truncated_mark, sizeof(truncated_mark) - 1,
                           err);
    if (rc == 0)
        rc = ts_buf_terminate(&x->text, err);
    if (rc == 0)
        *out = (const char *)x->text.data;
    return rc;
}

int ts_sheet_header(ts_xlsx *x, ts_sheet *s, const ts_sheet_col *cols,
                    size_t n_cols, ts_error *err)
{
    lxw_error e;

    assert(n_cols > 0 && n_cols <= 64);
    s->header_row = s->row;
    s->n_cols = (lxw_col_t)n_cols;
    /* printed (or converted to PDF) each page names its sheet and number,
     * landscape, as wide as one page */
    worksheet_set_header(s->ws, "&L&A&R&F");
    worksheet_set_footer(s->ws, "&CPage &P of &N");
    worksheet_set_landscape(s->ws);
    worksheet_fit_to_pages(s->ws, 1, 0);
    worksheet_repeat_rows(s->ws, s->row, s->row);
    for (size_t i = 0; i < n_cols; i++) {
        lxw_col_t col = (lxw_col_t)i;
        e = worksheet_set_column(s->ws, col, col, cols[i].width, NULL);
        if (e == LXW_NO_ERROR)
            e = worksheet_write_string(s->ws, s->row, col, cols[i].title,
                                       x->bold);
        if (e != LXW_NO_ERROR)
            return lxw_failed(x, s, e, err);
    }
    s->row++;
    return 0;
}

int ts_sheet_row(ts_sheet *s)
{
    /* s->row is the row to write next; ts_sheet_text writes row - 1 */
    if (s->row >= LXW_ROW_MAX) {
        s->dropped++;
        return 0;
    }
    s->row++;
    s->rows++;
    return 1;
}

int ts_sheet_text(ts_xlsx *x, ts_sheet *s, lxw_col_t col, const char *text,
                  lxw_format *format, ts_error *err)
{
    const char *clean;
    lxw_error e;
    int rc;

    assert(s->row > 0);
    if (text == NULL)
        return 0;
    rc = clean_text(x, text, &clean, err);
    if (rc != 0)
        return ts_error_prefix(err, "'%s': sheet '%s': ", x->path, s->name);
    e = worksheet_write_string(s->ws, s->row - 1, col, clean, format);
    return e == LXW_NO_ERROR ? 0 : lxw_failed(x, s, e, err);
}

int ts_sheet_number(ts_xlsx *x, ts_sheet *s, lxw_col_t col, double value,
                    lxw_format *format, ts_error *err)
{
    lxw_error e;

    assert(s->row > 0);
    e = worksheet_write_number(s->ws, s->row - 1, col, value, format);
    return e == LXW_NO_ERROR ? 0 : lxw_failed(x, s, e, err);
}

int ts_sheet_finish(ts_xlsx *x, ts_sheet *s, ts_error *err)
{
    lxw_row_t last = s->row > s->header_row + 1 ? s->row - 1 : s->header_row;
    lxw_error e;

    worksheet_freeze_panes(s->ws, s->header_row + 1, 0);
    e = worksheet_autofilter(s->ws, s->header_row, 0, last,
                             (lxw_col_t)(s->n_cols - 1));
    return e == LXW_NO_ERROR ? 0 : lxw_failed(x, s, e, err);
}

static int write_cell(ts_xlsx *x, ts_sheet *s, sqlite3_stmt *stmt, int i,
                      ts_col_kind kind, ts_error *err)
{
    lxw_col_t col = (lxw_col_t)i;
    char when[40];

    if (sqlite3_column_type(stmt, i) == SQLITE_NULL)
        return 0;
    switch (kind) {
    case TS_COL_TIME:
        ts_time_format(sqlite3_column_int64(stmt, i), when, sizeof(when));
        return ts_sheet_text(x, s, col, when, NULL, err);
    case TS_COL_INT:
        return ts_sheet_number(x, s, col, (double)sqlite3_column_int64(stmt, i),
                               NULL, err);
    case TS_COL_TEXT:
    default:
        return ts_sheet_text(
            x, s, col, (const char *)sqlite3_column_text(stmt, i), NULL, err);
    }
}

int ts_sheet_write_query(ts_xlsx *x, ts_sheet *s, sqlite3_stmt *stmt,
                         const ts_sheet_col *cols, size_t n_cols, ts_error *err)
{
    sqlite3 *db = sqlite3_db_handle(stmt);
    int rc, step = SQLITE_DONE;

    assert((size_t)sqlite3_column_count(stmt) == n_cols);
    rc = ts_sheet_header(x, s, cols, n_cols, err);
    while (rc == 0 && (step = sqlite3_step(stmt)) == SQLITE_ROW) {
        if (!ts_sheet_row(s))
            continue; /* counted, so the cover can say what is missing */
        for (size_t i = 0; rc == 0 && i < n_cols; i++)
            rc = write_cell(x, s, stmt, (int)i, cols[i].kind, err);
    }
    if (rc == 0 && step != SQLITE_DONE)
        rc = ts_error_set(err, TS_EDB, "sheet '%s': reading the index: %s",
                          s->name, sqlite3_errmsg(db));
    if (rc == 0)
        rc = ts_sheet_finish(x, s, err);
    return rc;
}
