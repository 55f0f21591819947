# Counts what a PostgreSQL stderr log says, independently of trailseal, for
# log_line_prefix = '%m [%p] %q%u@%d/%a %r %c %e ' (application names without
# spaces). Prints "name value" lines; the end-to-end tests compare them with
# `trailseal stats --json`.
#
# A line starting with the prefix starts a record, except DETAIL, HINT,
# CONTEXT, STATEMENT and QUERY lines, which belong to the record before them
# (the same backend); any other line continues the record before it.
# Session lines: $1 date, $2 time, $3 zone, $4 [pid], $5 user@db/app,
# $6 client, $7 session id (%c), $8 sqlstate, $9 severity, $10... message.
# Lines of processes without a session stop after [pid] (%q): $5 severity.

/^[0-9][0-9][0-9][0-9]-[0-9][0-9]-[0-9][0-9] [0-9][0-9]:[0-9][0-9]:[0-9][0-9]\.[0-9][0-9][0-9] [A-Z]+ \[[0-9]+\] / {
    prefixed++
    if ($7 ~ /^[0-9a-f]+\.[0-9a-f]+$/) {
        session[$7] = 1
        sev = $9
        w1 = $10
        w2 = $11
        w3 = $12
    } else {
        sev = $5
        w1 = $6
        w2 = $7
        w3 = $8
    }
    if (sev ~ /^(DETAIL|HINT|CONTEXT|STATEMENT|QUERY):$/) {
        attached++
        next
    }
    records++
    if (sev == "LOG:" && w1 == "AUDIT:")
        audit++
    else if (sev == "LOG:" && w1 == "connection" && w2 == "received:")
        received++
    else if (sev == "LOG:" && w1 == "connection" && w2 == "authorized:")
        authorized++
    else if (sev == "LOG:" && w1 == "disconnection:")
        disconnection++
    else if (sev == "LOG:" && w1 == "statement:")
        statement++
    else if (sev == "FATAL:" && w1 == "password" && w2 == "authentication" && w3 == "failed")
        auth_failure++
    else if (sev == "ERROR:")
        error++
    else
        other++
    next
}
{ continuation++ }

END {
    n = 0
    for (s in session)
        n++
    printf "lines %d\n", NR
    printf "prefixed %d\n", prefixed
    printf "attached %d\n", attached
    printf "continuation %d\n", continuation
    printf "entries %d\n", records
    printf "sessions %d\n", n
    printf "audit %d\n", audit
    printf "connection_received %d\n", received
    printf "connection_authorized %d\n", authorized
    printf "disconnection %d\n", disconnection
    printf "statement %d\n", statement
    printf "auth_failure %d\n", auth_failure
    printf "error %d\n", error
    printf "log %d\n", other
}
