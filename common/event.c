/* The event model's helpers: initialisation and stable kind names. */
#include <string.h>

#include "trailseal/event.h"

static const char *const kind_names[TS_EVENT_KIND_COUNT] = {
    [TS_EVENT_UNPARSED] = "unparsed",
    [TS_EVENT_LOG] = "log",
    [TS_EVENT_AUDIT] = "audit",
    [TS_EVENT_CONNECTION_RECEIVED] = "connection_received",
    [TS_EVENT_CONNECTION_AUTHORIZED] = "connection_authorized",
    [TS_EVENT_DISCONNECTION] = "disconnection",
    [TS_EVENT_AUTH_FAILURE] = "auth_failure",
    [TS_EVENT_ERROR] = "error",
    [TS_EVENT_STATEMENT] = "statement",
    [TS_EVENT_REFERENCE] = "reference",
    [TS_EVENT_PG_STAT] = "pg_stat",
    [TS_EVENT_STATEMENT_STATS] = "statement_stats",
};

void ts_event_init(ts_event *ev)
{
    memset(ev, 0, sizeof(*ev));
    ev->kind = TS_EVENT_UNPARSED;
    ev->time_us = TS_UNKNOWN_TIME;
    ev->pid = -1;
    ev->session_line = -1;
    ev->session_line_last = -1;
    ev->statement_id = -1;
    ev->substatement_id = -1;
    ev->session_duration_us = -1;
    ev->rows = -1;
}

const char *ts_event_kind_name(ts_event_kind kind)
{
    if ((int)kind < 0 || kind >= TS_EVENT_KIND_COUNT)
        return "unknown";
    return kind_names[kind];
}
