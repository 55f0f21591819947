/* MySQL-family statements and errors: the command a statement starts with,
 * its audit class, and what an error number means. */
#include <stdio.h>
#include <string.h>

#include "ingest/ingest_internal.h"

#define WORD_MAX 24

static int is_space(char c)
{
    return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f' ||
           c == '\v';
}

static int is_alpha(char c)
{
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_';
}

/* Skips spaces, comments and opening parentheses. A MySQL versioned
 * comment (slash-star-bang) holds SQL: only its marker and version are
 * skipped. */
static size_t skip_noise(const char *s, size_t len, size_t i)
{
    while (i < len) {
        if (is_space(s[i]) || s[i] == '(') {
            i++;
        } else if (s[i] == '/' && i + 1 < len && s[i + 1] == '*') {
            if (i + 2 < len && s[i + 2] == '!') {
                for (i += 3; i < len && s[i] >= '0' && s[i] <= '9'; i++)
                    ;
                continue;
            }
            for (i += 2; i + 1 < len && !(s[i] == '*' && s[i + 1] == '/'); i++)
                ;
            i = i + 1 < len ? i + 2 : len;
        } else if (s[i] == '#' || (s[i] == '-' && i + 2 < len &&
                                   s[i + 1] == '-' && is_space(s[i + 2]))) {
            while (i < len && s[i] != '\n')
                i++;
        } else if (s[i] == '*' && i + 1 < len && s[i + 1] == '/') {
            i += 2; /* the end of a versioned comment */
        } else {
            break;
        }
    }
    return i;
}

/* The next keyword at or after *i, upper-cased into w; "" when the text
 * does not continue with a word. */
static void next_word(const char *s, size_t len, size_t *i, char *w)
{
    size_t n = 0, j = skip_noise(s, len, *i);

    while (j < len &&
           (is_alpha(s[j]) || (n > 0 && s[j] >= '0' && s[j] <= '9'))) {
        if (n < WORD_MAX)
            w[n++] = (char)(s[j] >= 'a' && s[j] <= 'z' ? s[j] - 32 : s[j]);
        j++;
    }
    w[n] = '\0';
    *i = j;
}

static int in(const char *w, const char *const *list)
{
    for (; *list != NULL; list++) {
        if (strcmp(w, *list) == 0)
            return 1;
    }
    return 0;
}

/* Words between CREATE/DROP/ALTER and the kind of object. */
static const char *const modifiers[] = {
    "OR",        "REPLACE", "TEMPORARY", "UNIQUE",       "FULLTEXT",
    "SPATIAL",   "ONLINE",  "OFFLINE",   "IGNORE",       "DEFINER",
    "AGGREGATE", "SQL",     "SECURITY",  "INVOKER",      "ALGORITHM",
    "UNDEFINED", "MERGE",   "TEMPTABLE", "CURRENT_USER", NULL};

/* First words followed by a second one that says what they act on. */
static const char *const two_words[] = {
    "CREATE", "DROP", "ALTER", "RENAME", "SHOW",   "LOCK",  "UNLOCK",
    "START",  "LOAD", "SET",   "XA",     "CHANGE", "RESET", NULL};

static const char *const role_objects[] = {"USER", "ROLE", NULL};

static const char *const read_words[] = {
    "SELECT", "SHOW",   "DESCRIBE", "DESC",     "EXPLAIN", "WITH",
    "TABLE",  "VALUES", "HANDLER",  "CHECKSUM", NULL};
static const char *const write_words[] = {
    "INSERT", "UPDATE", "DELETE", "REPLACE", "TRUNCATE", "LOAD", "MERGE", NULL};
static const char *const ddl_words[] = {"CREATE", "DROP", "ALTER", "RENAME",
                                        NULL};
static const char *const role_words[] = {"GRANT", "REVOKE", NULL};

/* For SET: only these second words name the command. */
static const char *const set_objects[] = {"PASSWORD",    "ROLE",  "DEFAULT",
                                          "TRANSACTION", "NAMES", NULL};

const char *ts_my_command(const char *sql, size_t len, char *cmd)
{
    char first[WORD_MAX + 1], second[WORD_MAX + 1];
    size_t i = 0;
    int n;

    cmd[0] = '\0';
    next_word(sql, len, &i, first);
    if (first[0] == '\0')
        return "MISC";
    second[0] = '\0';
    if (in(first, two_words)) {
        int guard = 0;
        do {
            next_word(sql, len, &i, second);
            /* DEFINER=`u`@`h`, ALGORITHM=MERGE: skip the value too */
            i = skip_noise(sql, len, i);
            if (i < len && sql[i] == '=') {
                i++;
                i = skip_noise(sql, len, i);
                while (i < len && !is_space(sql[i]))
                    i++;
            }
        } while ((strcmp(first, "CREATE") == 0 || strcmp(first, "DROP") == 0 ||
                  strcmp(first, "ALTER") == 0) &&
                 in(second, modifiers) && ++guard < 8);
        if (strcmp(first, "SET") == 0 && !in(second, set_objects))
            second[0] = '\0';
    }
    if (second[0] != '\0' && !in(second, modifiers))
        n = snprintf(cmd, TS_MY_COMMAND_SIZE, "%s %s", first, second);
    else
        n = snprintf(cmd, TS_MY_COMMAND_SIZE, "%s", first);
    if (n < 0)
        cmd[0] = '\0';

    if (strcmp(first, "SET") == 0)
        return strcmp(second, "PASSWORD") == 0 || strcmp(second, "ROLE") == 0 ||
                       strcmp(second, "DEFAULT") == 0
                   ? "ROLE"
                   : "MISC";
    if (in(first, ddl_words))
        return in(second, role_objects) ? "ROLE" : "DDL";
    if (in(first, role_words))
        return "ROLE";
    if (in(first, read_words))
        return "READ";
    if (in(first, write_words))
        return "WRITE";
    if (strcmp(first, "CALL") == 0 || strcmp(first, "DO") == 0)
        return "FUNCTION";
    return "MISC";
}

/* Error numbers from MariaDB's include/mysqld_error.h with the SQLSTATE
 * the server sends for them; the ones that are privilege failures are
 * marked. Sorted by number. */
static const struct {
    int code;
    const char *name;
    const char *sqlstate;
    int permission;
} errors[] = {
    {1007, "ER_DB_CREATE_EXISTS", "HY000", 0},
    {1008, "ER_DB_DROP_EXISTS", "HY000", 0},
    {1040, "ER_CON_COUNT_ERROR", "08004", 0},
    {1044, "ER_DBACCESS_DENIED_ERROR", "42000", 1},
    {1045, "ER_ACCESS_DENIED_ERROR", "28000", 1},
    {1046, "ER_NO_DB_ERROR", "3D000", 0},
    {1048, "ER_BAD_NULL_ERROR", "23000", 0},
    {1049, "ER_BAD_DB_ERROR", "42000", 0},
    {1050, "ER_TABLE_EXISTS_ERROR", "42S01", 0},
    {1051, "ER_BAD_TABLE_ERROR", "42S02", 0},
    {1054, "ER_BAD_FIELD_ERROR", "42S22", 0},
    {1062, "ER_DUP_ENTRY", "23000", 0},
    {1064, "ER_PARSE_ERROR", "42000", 0},
    {1095, "ER_KILL_DENIED_ERROR", "HY000", 1},
    {1142, "ER_TABLEACCESS_DENIED_ERROR", "42000", 1},
    {1143, "ER_COLUMNACCESS_DENIED_ERROR", "42000", 1},
    {1146, "ER_NO_SUCH_TABLE", "42S02", 0},
    {1193, "ER_UNKNOWN_SYSTEM_VARIABLE", "HY000", 0},
    {1205, "ER_LOCK_WAIT_TIMEOUT", "HY000", 0},
    {1213, "ER_LOCK_DEADLOCK", "40001", 0},
    {1227, "ER_SPECIFIC_ACCESS_DENIED_ERROR", "42000", 1},
    {1305, "ER_SP_DOES_NOT_EXIST", "42000", 0},
    {1317, "ER_QUERY_INTERRUPTED", "70100", 0},
    {1370, "ER_PROCACCESS_DENIED_ERROR", "42000", 1},
    {1396, "ER_CANNOT_USER", "HY000", 0},
    {1406, "ER_DATA_TOO_LONG", "22001", 0},
    {1410, "ER_CANT_CREATE_USER_WITH_GRANT", "42000", 1},
    {1451, "ER_ROW_IS_REFERENCED_2", "23000", 0},
    {1452, "ER_NO_REFERENCED_ROW_2", "23000", 0},
    {1698, "ER_ACCESS_DENIED_NO_PASSWORD_ERROR", "28000", 1},
    {1792, "ER_CANT_EXECUTE_IN_READ_ONLY_TRANSACTION", "25006", 0},
};

ts_my_error ts_my_error_lookup(int64_t code)
{
    ts_my_error e = {NULL, NULL, 0};
    size_t lo = 0, hi = sizeof(errors) / sizeof(errors[0]);

    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        if (errors[mid].code == code) {
            e.name = errors[mid].name;
            e.sqlstate = errors[mid].sqlstate;
            e.permission = errors[mid].permission;
            break;
        }
        if (errors[mid].code < code)
            lo = mid + 1;
        else
            hi = mid;
    }
    return e;
}
