/* What a reference record means: identities, approvals and catalog rows
 * from CSV rows (named by the file's header) or JSON objects. */
#include <ctype.h>
#include <inttypes.h>
#include <jansson.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ingest/ref_internal.h"
#include "trailseal/time.h"

/* The values a CSV column or a JSON member can give. */
enum {
    F_NAME,
    F_KIND,
    F_OWNER,
    F_STATUS,
    F_TERMINATED,
    F_ACCOUNTS,
    F_TICKET,
    F_APPROVER,
    F_APPROVED,
    F_SCOPE,
    F_VALID_UNTIL,
    F_COUNT
};

static const struct column {
    const char *dataset;
    const char *name; /* CSV header and JSON member */
    int id;
    int required;
} columns[] = {
    {"identities", "name", F_NAME, 1},
    {"identities", "kind", F_KIND, 1},
    {"identities", "owner", F_OWNER, 0},
    {"identities", "status", F_STATUS, 0},
    {"identities", "terminated_at", F_TERMINATED, 0},
    {"identities", "accounts", F_ACCOUNTS, 0},
    {"approvals", "ticket", F_TICKET, 1},
    {"approvals", "approver", F_APPROVER, 1},
    {"approvals", "approved_at", F_APPROVED, 1},
    {"approvals", "scope", F_SCOPE, 1},
    {"approvals", "valid_until", F_VALID_UNTIL, 0},
};

#define N_COLUMNS (sizeof(columns) / sizeof(columns[0]))
/* Most accounts one identity may list. */
#define TS_REF_MAX_ACCOUNTS 4096

/* An identity name already listed in this file, and where. */
typedef struct seen_name {
    char *name;
    uint64_t line;
} seen_name;

int ts_ref_parser_init(ts_ref_parser *p, const char *dataset, int csv,
                       int64_t snapshot_us, ts_error *err)
{
    (void)err;
    memset(p, 0, sizeof(*p));
    p->dataset = dataset;
    p->csv = csv;
    p->snapshot_us = snapshot_us;
    ts_buf_init(&p->scratch, 4 * TS_REF_FILE_MAX + 4096);
    return 0;
}

void ts_ref_parser_release(ts_ref_parser *p)
{
    seen_name *names = p->name_items;

    for (size_t i = 0; i < p->names.n; i++)
        free(names[i].name);
    free(p->name_items);
    ts_strmap_release(&p->names);
    ts_buf_release(&p->scratch);
    json_decref(p->doc);
    free(p->accounts);
    memset(p, 0, sizeof(*p));
}

/* Sets the record unparsed with a printf reason. */
__attribute__((format(printf, 3, 4))) static void
unparsed(ts_ref_parser *p, ts_event *ev, const char *fmt, ...)
{
    va_list ap;

    va_start(ap, fmt);
    if (vsnprintf(p->reason, sizeof(p->reason), fmt, ap) < 0)
        p->reason[0] = '\0';
    va_end(ap);
    ev->kind = TS_EVENT_UNPARSED;
    ev->unparsed_reason = p->reason;
    ev->message = NULL;
    p->rec.type = TS_REF_NONE;
}

static int is_blank(const char *s, size_t len)
{
    for (size_t i = 0; i < len; i++)
        if (!isspace((unsigned char)s[i]))
            return 0;
    return 1;
}

/* Lowercases an ASCII string in place. */
static char *lower(char *s)
{
    for (char *c = s; *c; c++)
        *c = (char)tolower((unsigned char)*c);
    return s;
}

/* Copies s[0, len) into the arena without its surrounding blanks. */
static char *trimmed(ts_arena *a, const char *s, size_t len)
{
    while (len > 0 && isspace((unsigned char)*s)) {
        s++;
        len--;
    }
    while (len > 0 && isspace((unsigned char)s[len - 1]))
        len--;
    char *d = ts_arena_take(a, len + 1);
    if (d != NULL) {
        memcpy(d, s, len);
        d[len] = '\0';
    }
    return d;
}

/* A time value: absent (NULL) is TS_UNKNOWN_TIME; -1 when it does not
 * parse. */
static int parse_time(const char *text, int64_t *out)
{
    *out = TS_UNKNOWN_TIME;
    if (text == NULL)
        return 0;
    return ts_time_parse(text, out, NULL) == 0 ? 0 : -1;
}

static int add_account(ts_ref_parser *p, const char *system,
                       const char *account, ts_error *err)
{
    if (p->rec.n_accounts == p->accounts_size) {
        size_t n = p->accounts_size ? p->accounts_size * 2 : 8;
        ts_ref_account *grown = realloc(p->accounts, n * sizeof(*grown));
        if (grown == NULL)
            return ts_error_set(err, TS_ENOMEM, "out of memory");
        p->accounts = grown;
        p->accounts_size = n;
    }
    p->accounts[p->rec.n_accounts].system = system;
    p->accounts[p->rec.n_accounts].account = account;
    p->rec.n_accounts++;
    p->rec.accounts = p->accounts;
    return 0;
}

/* "system:account" (or a bare "account") into the arena; 0, 1 when it
 * names no account, negative on failure. */
static int account_item(ts_ref_parser *p, ts_arena *a, const char *s,
                        size_t len, ts_error *err)
{
    const char *colon = memchr(s, ':', len);
    char *system = NULL, *account;

    if (colon != NULL) {
        system = trimmed(a, s, (size_t)(colon - s));
        len -= (size_t)(colon + 1 - s);
        s = colon + 1;
    }
    account = trimmed(a, s, len);
    if (account == NULL || (colon != NULL && system == NULL))
        return ts_error_set(err, TS_ENOMEM, "record too large");
    if (account[0] == '\0')
        return 1;
    return add_account(p, system && system[0] ? system : NULL, account, err);
}

/* The CSV accounts column: "postgres:alice;mariadb:alice_m". */
static int account_list(ts_ref_parser *p, ts_arena *a, const char *list,
                        ts_error *err)
{
    const char *s = list;

    while (s != NULL && *s != '\0') {
        const char *semi = strchr(s, ';');
        size_t len = semi ? (size_t)(semi - s) : strlen(s);
        int rc = account_item(p, a, s, len, err);
        if (rc < 0)
            return rc;
        s = semi ? semi + 1 : NULL;
    }
    return 0;
}

/* A one-line summary of the record for full-text search. */
static void summarize(ts_ref_parser *p, ts_event *ev, ts_arena *a)
{
    const ts_ref_record *r = &p->rec;

    switch (r->type) {
    case TS_REF_IDENTITY:
        ev->message = ts_arena_printf(a, "identity %s %s owner %s status %s",
                                      r->name, r->identity_kind,
                                      r->owner ? r->owner : "-", r->status);
        break;
    case TS_REF_APPROVAL:
        ev->message = ts_arena_printf(a, "approval %s by %s scope %s",
                                      r->ticket, r->approver, r->scope);
        break;
    case TS_REF_ROLE:
        ev->message = ts_arena_printf(a, "role %s", r->role);
        break;
    case TS_REF_MEMBER:
        ev->message =
            ts_arena_printf(a, "member %s of role %s", r->member, r->role);
        break;
    case TS_REF_GRANT:
        ev->message =
            ts_arena_printf(a, "grant %s on %s%s%s to %s", r->privilege,
                            r->object_name, r->column_name ? "." : "",
                            r->column_name ? r->column_name : "", r->grantee);
        break;
    case TS_REF_COLUMN:
        ev->message = ts_arena_printf(a, "column %s.%s.%s %s", r->schema_name,
                                      r->table_name, r->column_name,
                                      r->data_type ? r->data_type : "");
        break;
    case TS_REF_CATALOG:
        ev->message = ts_arena_printf(a, "catalog snapshot of %s",
                                      r->database ? r->database : "?");
        break;
    case TS_REF_RELATION:
        ev->message = ts_arena_printf(a, "%s %s.%s", r->relation_kind,
                                      r->schema_name, r->table_name);
        break;
    default:
        break;
    }
}

/* Fills an identity or approval from its values (NULL: absent or empty).
 * Returns 0 (the event may be unparsed), negative on failure. */
static int fill_values(ts_ref_parser *p, ts_event *ev, char *const *v,
                       uint64_t line, ts_error *err)
{
    ts_ref_record *r = &p->rec;

    for (size_t i = 0; i < N_COLUMNS; i++) {
        if (strcmp(columns[i].dataset, p->dataset) == 0 &&
            columns[i].required && v[columns[i].id] == NULL) {
            unparsed(p, ev, "%s record has no %s", p->dataset, columns[i].name);
            return 0;
        }
    }
    if (strcmp(p->dataset, "approvals") == 0) {
        r->type = TS_REF_APPROVAL;
        r->ticket = v[F_TICKET];
        r->approver = v[F_APPROVER];
        r->scope = v[F_SCOPE];
        if (parse_time(v[F_APPROVED], &r->approved_us) != 0) {
            unparsed(p, ev, "approved_at '%s' is not a time", v[F_APPROVED]);
            return 0;
        }
        if (parse_time(v[F_VALID_UNTIL], &r->valid_until_us) != 0) {
            unparsed(p, ev, "valid_until '%s' is not a time", v[F_VALID_UNTIL]);
            return 0;
        }
        ev->time_us = r->approved_us;
        return 0;
    }

    r->type = TS_REF_IDENTITY;
    r->name = v[F_NAME];
    r->identity_kind = v[F_KIND];
    r->owner = v[F_OWNER];
    r->status = v[F_STATUS] ? v[F_STATUS] : "active";
    if (strcmp(r->identity_kind, "human") != 0 &&
        strcmp(r->identity_kind, "agent") != 0 &&
        strcmp(r->identity_kind, "service") != 0) {
        unparsed(p, ev, "kind '%s' is not human, agent or service",
                 r->identity_kind);
        return 0;
    }
    if (parse_time(v[F_TERMINATED], &r->terminated_us) != 0) {
        unparsed(p, ev, "terminated_at '%s' is not a time", v[F_TERMINATED]);
        return 0;
    }
    if (r->n_accounts > TS_REF_MAX_ACCOUNTS) {
        unparsed(p, ev, "identity '%s' lists more than %d accounts", r->name,
                 TS_REF_MAX_ACCOUNTS);
        return 0;
    }

    size_t slot;
    int created, rc;
    rc = ts_strmap_slot(&p->names, r->name, &p->name_items, &p->name_items_size,
                        sizeof(seen_name), &slot, &created, err);
    if (rc != 0)
        return rc;
    seen_name *seen = (seen_name *)p->name_items + slot;
    if (!created) {
        unparsed(p, ev, "identity '%s' is already listed at line %" PRIu64,
                 r->name, seen->line);
        return 0;
    }
    seen->line = line;
    return 0;
}

/* ---- CSV ---- */

static void header(ts_ref_parser *p, char **f, size_t n)
{
    unsigned seen = 0;

    p->have_header = 1;
    p->n_cols = n;
    for (size_t i = 0; i < n; i++) {
        char *name = lower(f[i]);
        p->col[i] = -1;
        if (i == 0 && strncmp(name, "\xEF\xBB\xBF", 3) == 0)
            name += 3; /* a byte order mark */
        for (size_t k = 0; k < N_COLUMNS; k++) {
            if (strcmp(columns[k].dataset, p->dataset) != 0 ||
                strcmp(columns[k].name, name) != 0)
                continue;
            if (seen & (1u << columns[k].id))
                snprintf(p->header_problem, sizeof(p->header_problem),
                         "header names column '%s' twice", name);
            seen |= 1u << columns[k].id;
            p->col[i] = columns[k].id;
        }
    }
    for (size_t k = 0; k < N_COLUMNS; k++)
        if (strcmp(columns[k].dataset, p->dataset) == 0 &&
            columns[k].required && !(seen & (1u << columns[k].id)) &&
            p->header_problem[0] == '\0')
            snprintf(p->header_problem, sizeof(p->header_problem),
                     "%s header has no '%s' column", p->dataset,
                     columns[k].name);
}

static int parse_csv(ts_ref_parser *p, const char *s, size_t len, uint64_t line,
                     ts_event *ev, ts_arena *a, ts_error *err)
{
    char *f[TS_REF_CSV_MAX_FIELDS], *v[F_COUNT] = {0};
    const char *reason = NULL;
    size_t n = 0, text = ts_text_len(s, len);
    char *out;

    if (is_blank(s, len) || s[0] == '#') {
        ev->kind = TS_EVENT_LOG; /* blank line or comment */
        return 0;
    }
    if (!ts_utf8_valid(s, len)) {
        unparsed(p, ev, "invalid UTF-8");
        return 0;
    }
    out = ts_arena_take(a, text + TS_REF_CSV_MAX_FIELDS);
    if (out == NULL)
        return ts_error_set(err, TS_ENOMEM, "record too large");
    if (ts_ref_csv_split(s, text, out, f, TS_REF_CSV_MAX_FIELDS, &n, &reason) !=
        0) {
        if (!p->have_header) {
            p->have_header = 1;
            snprintf(p->header_problem, sizeof(p->header_problem),
                     "the header line is not CSV (%s)", reason);
        }
        unparsed(p, ev, "CSV: %s", reason);
        return 0;
    }
    if (!p->have_header) {
        header(p, f, n);
        ev->kind = TS_EVENT_LOG;
        if (p->header_problem[0] != '\0')
            unparsed(p, ev, "%s", p->header_problem);
        return 0;
    }
    if (p->header_problem[0] != '\0') {
        unparsed(p, ev, "no usable header: %s", p->header_problem);
        return 0;
    }
    if (n != p->n_cols) {
        unparsed(p, ev, "row has %zu fields, the header %zu", n, p->n_cols);
        return 0;
    }
    for (size_t i = 0; i < n; i++) {
        char *t;
        if (p->col[i] < 0)
            continue;
        t = trimmed(a, f[i], strlen(f[i]));
        if (t == NULL)
            return ts_error_set(err, TS_ENOMEM, "record too large");
        v[p->col[i]] = t[0] != '\0' ? t : NULL;
    }
    if (v[F_KIND])
        lower(v[F_KIND]);
    if (v[F_STATUS])
        lower(v[F_STATUS]);
    if (v[F_ACCOUNTS]) {
        int rc = account_list(p, a, v[F_ACCOUNTS], err);
        if (rc != 0)
            return rc;
    }
    return fill_values(p, ev, v, line, err);
}

/* ---- JSON ---- */

/* A string member (trimmed, into the arena), NULL when absent, null or
 * empty; -1 in *bad when present but not a string. */
static char *jstr(json_t *o, const char *key, ts_arena *a, int *bad)
{
    json_t *v = json_object_get(o, key);
    char *t;

    if (v == NULL || json_is_null(v))
        return NULL;
    if (!json_is_string(v)) {
        *bad = 1;
        return NULL;
    }
    t = trimmed(a, json_string_value(v), json_string_length(v));
    return t != NULL && t[0] != '\0' ? t : NULL;
}

/* A member that must be an array (of strings, or of objects when
 * objects is set) as compact JSON text in a; NULL when absent or null. */
static const char *jarray(json_t *o, const char *key, int objects, ts_arena *a,
                          int *bad)
{
    json_t *v = json_object_get(o, key), *item;
    size_t i;
    const char *copy;
    char *text;

    if (v == NULL || json_is_null(v))
        return NULL;
    if (!json_is_array(v)) {
        *bad = 1;
        return NULL;
    }
    json_array_foreach(v, i, item)
    {
        if (objects ? !json_is_object(item) : !json_is_string(item)) {
            *bad = 1;
            return NULL;
        }
    }
    text = json_dumps(v, JSON_COMPACT | JSON_ENSURE_ASCII);
    if (text == NULL) {
        *bad = 1;
        return NULL;
    }
    copy = ts_arena_printf(a, "%s", text);
    free(text);
    return copy;
}

/* A name member kept exactly as given (PostgreSQL allows names with
 * leading or trailing spaces, and " admin" is not "admin"), in the arena;
 * NULL when absent, null or empty; -1 in *bad when not a string. */
static const char *jname(json_t *o, const char *key, ts_arena *a, int *bad)
{
    json_t *v = json_object_get(o, key);

    if (v == NULL || json_is_null(v))
        return NULL;
    if (!json_is_string(v)) {
        *bad = 1;
        return NULL;
    }
    if (json_string_length(v) == 0)
        return NULL;
    return ts_arena_strndup(a, json_string_value(v), json_string_length(v));
}

/* A boolean member: absent or null is 0; -1 when not a boolean. */
static int jbool(json_t *o, const char *key, int *bad)
{
    json_t *v = json_object_get(o, key);

    if (v == NULL || json_is_null(v))
        return 0;
    if (!json_is_boolean(v)) {
        *bad = 1;
        return 0;
    }
    return json_is_true(v) ? 1 : 0;
}

static int json_accounts(ts_ref_parser *p, json_t *list, ts_arena *a,
                         ts_event *ev, ts_error *err)
{
    size_t i;
    json_t *item;

    if (list == NULL || json_is_null(list))
        return 0;
    if (!json_is_array(list)) {
        unparsed(p, ev, "accounts is not an array");
        return 1;
    }
    json_array_foreach(list, i, item)
    {
        int rc, bad = 0;
        if (json_is_string(item)) {
            rc = account_item(p, a, json_string_value(item),
                              json_string_length(item), err);
        } else if (json_is_object(item)) {
            const char *sys = jstr(item, "system", a, &bad);
            const char *acc = jstr(item, "account", a, &bad);
            if (bad || acc == NULL) {
                unparsed(p, ev, "accounts[%zu] needs a string 'account'", i);
                return 1;
            }
            rc = add_account(p, sys, acc, err);
        } else {
            unparsed(p, ev, "accounts[%zu] is neither a string nor an object",
                     i);
            return 1;
        }
        if (rc < 0)
            return rc;
    }
    return 0;
}

static int parse_catalog(ts_ref_parser *p, json_t *o, ts_event *ev, ts_arena *a)
{
    ts_ref_record *r = &p->rec;
    int bad = 0;
    const char *type = jstr(o, "type", a, &bad), *missing = NULL;

    if (type == NULL) {
        unparsed(p, ev, "catalog record has no string 'type'");
        return 0;
    }
    if (strcmp(type, "catalog") == 0) {
        r->type = TS_REF_CATALOG;
        r->database = jname(o, "database", a, &bad);
        r->server_version = jstr(o, "server_version", a, &bad);
        r->search_path = jarray(o, "search_path", 0, a, &bad);
    } else if (strcmp(type, "role") == 0) {
        const char *until;
        r->type = TS_REF_ROLE;
        r->role = jname(o, "role", a, &bad);
        r->superuser = jbool(o, "superuser", &bad);
        r->createrole = jbool(o, "createrole", &bad);
        r->createdb = jbool(o, "createdb", &bad);
        r->bypassrls = jbool(o, "bypassrls", &bad);
        r->replication = jbool(o, "replication", &bad);
        r->can_login = jbool(o, "can_login", &bad);
        until = jstr(o, "valid_until", a, &bad);
        if (!bad && parse_time(until, &r->valid_until_us) != 0) {
            unparsed(p, ev, "valid_until '%s' is not a time", until);
            return 0;
        }
        missing = r->role ? NULL : "role";
    } else if (strcmp(type, "member") == 0) {
        r->type = TS_REF_MEMBER;
        r->role = jname(o, "role", a, &bad);
        r->member = jname(o, "member", a, &bad);
        r->admin_option = jbool(o, "admin_option", &bad);
        missing = !r->role ? "role" : !r->member ? "member" : NULL;
    } else if (strcmp(type, "grant") == 0) {
        r->type = TS_REF_GRANT;
        r->grantee = jname(o, "grantee", a, &bad);
        char *otype = jstr(o, "object_type", a, &bad);
        char *priv = jstr(o, "privilege", a, &bad);
        r->object_name = jname(o, "object_name", a, &bad);
        r->column_name = jname(o, "column_name", a, &bad);
        r->grantor = jname(o, "grantor", a, &bad);
        r->object_type = otype ? lower(otype) : "table";
        for (char *c = priv; c != NULL && *c; c++)
            *c = (char)toupper((unsigned char)*c);
        r->privilege = priv;
        missing = !r->grantee       ? "grantee"
                  : !r->object_name ? "object_name"
                  : !r->privilege   ? "privilege"
                                    : NULL;
    } else if (strcmp(type, "column") == 0) {
        r->type = TS_REF_COLUMN;
        r->schema_name = jname(o, "schema", a, &bad);
        r->table_name = jname(o, "table", a, &bad);
        r->column_name = jname(o, "column", a, &bad);
        r->data_type = jstr(o, "data_type", a, &bad);
        r->comment = jname(o, "comment", a, &bad);
        missing = !r->schema_name   ? "schema"
                  : !r->table_name  ? "table"
                  : !r->column_name ? "column"
                                    : NULL;
    } else if (strcmp(type, "relation") == 0) {
        char *kind = jstr(o, "kind", a, &bad);
        r->type = TS_REF_RELATION;
        r->schema_name = jname(o, "schema", a, &bad);
        r->table_name = jname(o, "name", a, &bad);
        r->relation_kind = kind ? lower(kind) : "table";
        r->definition = jname(o, "definition", a, &bad);
        r->keys = jarray(o, "keys", 1, a, &bad);
        missing = !r->schema_name  ? "schema"
                  : !r->table_name ? "name"
                  : strcmp(r->relation_kind, "view") == 0 && !r->definition
                      ? "definition"
                      : NULL;
        if (!bad && missing == NULL && strcmp(r->relation_kind, "view") != 0 &&
            strcmp(r->relation_kind, "table") != 0) {
            unparsed(p, ev, "relation kind '%s' is not table or view",
                     r->relation_kind);
            return 0;
        }
    } else {
        unparsed(p, ev,
                 "catalog record type '%s' is not catalog, role, "
                 "member, grant, column or relation",
                 type);
        return 0;
    }
    if (bad)
        unparsed(p, ev, "%s record has a member of the wrong JSON type", type);
    else if (missing != NULL)
        unparsed(p, ev, "%s record has no %s", type, missing);
    return 0;
}

static int parse_json(ts_ref_parser *p, const char *s, size_t len,
                      uint64_t line, ts_event *ev, ts_arena *a, ts_error *err)
{
    char *v[F_COUNT] = {0};
    json_error_t jerr;
    json_t *o;
    int bad = 0, rc;

    /* An entry holds one array element with the punctuation around it:
     * blanks and commas, the file's '[' before the first, its ']' after
     * the last. */
    while (len > 0 && (isspace((unsigned char)*s) || *s == ',')) {
        s++;
        len--;
    }
    if (len > 0 && *s == '[') {
        size_t k = 1;
        while (k < len && isspace((unsigned char)s[k]))
            k++;
        if (k == len || s[k] == '{' || s[k] == '[' || s[k] == ']') {
            s += k;
            len -= k;
        }
    }
    if (is_blank(s, len) ||
        (len > 0 && *s == ']' && is_blank(s + 1, len - 1))) {
        ev->kind = TS_EVENT_LOG;
        return 0;
    }
    o = json_loadb(s, len, JSON_DISABLE_EOF_CHECK, &jerr);
    p->doc = o;
    if (o == NULL) {
        unparsed(p, ev, "JSON: %s", jerr.text);
        return 0;
    }
    for (size_t k = (size_t)jerr.position; k < len; k++) {
        if (!isspace((unsigned char)s[k]) && s[k] != ',' && s[k] != ']') {
            unparsed(p, ev, "JSON: text after the value");
            return 0;
        }
    }
    if (!json_is_object(o)) {
        unparsed(p, ev, "JSON value is not an object");
        return 0;
    }
    if (strcmp(p->dataset, "catalog") == 0)
        return parse_catalog(p, o, ev, a);
    for (size_t i = 0; i < N_COLUMNS; i++)
        if (strcmp(columns[i].dataset, p->dataset) == 0 &&
            columns[i].id != F_ACCOUNTS)
            v[columns[i].id] = jstr(o, columns[i].name, a, &bad);
    if (bad) {
        unparsed(p, ev, "%s record has a member that is not a string",
                 p->dataset);
        return 0;
    }
    if (v[F_KIND])
        lower(v[F_KIND]);
    if (v[F_STATUS])
        lower(v[F_STATUS]);
    if (strcmp(p->dataset, "identities") == 0) {
        rc = json_accounts(p, json_object_get(o, "accounts"), a, ev, err);
        if (rc != 0)
            return rc < 0 ? rc : 0;
    }
    return fill_values(p, ev, v, line, err);
}

int ts_ref_parse(ts_ref_parser *p, const char *s, size_t len, uint64_t line,
                 ts_event *ev, ts_error *err)
{
    ts_arena a;
    size_t need;
    int rc;

    json_decref(p->doc);
    p->doc = NULL;
    memset(&p->rec, 0, sizeof(p->rec));
    p->rec.dataset = p->dataset;
    p->rec.snapshot_us = p->snapshot_us;
    p->rec.terminated_us = TS_UNKNOWN_TIME;
    p->rec.approved_us = TS_UNKNOWN_TIME;
    p->rec.valid_until_us = TS_UNKNOWN_TIME;
    ev->reference = &p->rec;
    ev->time_us = p->snapshot_us;
    ev->kind = TS_EVENT_REFERENCE;

    /* fields, trimmed copies, account pieces and the summary */
    need = 4 * len + 1024;
    p->scratch.len = 0;
    rc = ts_buf_reserve(&p->scratch, need, err);
    if (rc != 0)
        return rc;
    a.data = (char *)p->scratch.data;
    a.len = 0;
    a.size = need;
    rc = p->csv ? parse_csv(p, s, len, line, ev, &a, err)
                : parse_json(p, s, len, line, ev, &a, err);
    if (rc != 0)
        return rc;
    if (ev->kind == TS_EVENT_REFERENCE)
        summarize(p, ev, &a);
    if (ev->kind == TS_EVENT_LOG)
        p->rec.type = TS_REF_NONE;
    return 0;
}
