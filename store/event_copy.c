/* Copies of events that outlive the source's next call: sealing hands each
 * event to the index writer on another thread (seal_pipe.c), while the
 * source reuses its buffers. */
#include <stdlib.h>
#include <string.h>

#include "store/store_internal.h"

/* Adding a field to ts_event must add it to ts_event_copy below: this fails
 * the build until the size is updated here too. */
_Static_assert(sizeof(ts_event) == TS_EVENT_COPY_KNOWN_SIZE,
               "ts_event changed: copy the new field in ts_event_copy");

#define SLAB_SIZE ((size_t)64 * 1024)

struct ts_copy_slab {
    struct ts_copy_slab *next;
    size_t size, used;
    _Alignas(max_align_t) unsigned char data[];
};

void ts_copy_arena_reset(ts_copy_arena *a)
{
    ts_copy_slab *s = a->slabs, *next;

    /* keep the first slab (the one most events fit in), free the rest */
    if (s == NULL)
        return;
    for (next = s->next; next != NULL; next = s->next) {
        s->next = next->next;
        free(next);
    }
    s->used = 0;
}

void ts_copy_arena_release(ts_copy_arena *a)
{
    while (a->slabs != NULL) {
        ts_copy_slab *next = a->slabs->next;
        free(a->slabs);
        a->slabs = next;
    }
}

static void *arena_alloc(ts_copy_arena *a, size_t len)
{
    ts_copy_slab *s = a->slabs;
    size_t need = (len + 7) & ~(size_t)7;

    if (s == NULL || s->size - s->used < need) {
        size_t size = need > SLAB_SIZE ? need : SLAB_SIZE;
        ts_copy_slab *fresh = malloc(sizeof(*fresh) + size);
        if (fresh == NULL)
            return NULL;
        fresh->size = size;
        fresh->used = 0;
        /* the new slab goes first; a part-used one stays behind it */
        fresh->next = s;
        a->slabs = fresh;
        s = fresh;
    }
    s->used += need;
    return s->data + s->used - need;
}

static int copy_string(ts_copy_arena *a, const char **field)
{
    size_t len;
    char *copy;

    if (*field == NULL)
        return 0;
    len = strlen(*field);
    copy = arena_alloc(a, len + 1);
    if (copy == NULL)
        return -1;
    memcpy(copy, *field, len + 1);
    *field = copy;
    return 0;
}

static int copy_strings(ts_copy_arena *a, const char *const **field, size_t n)
{
    const char **copy;

    if (*field == NULL || n == 0)
        return 0;
    copy = arena_alloc(a, n * sizeof(*copy));
    if (copy == NULL)
        return -1;
    for (size_t i = 0; i < n; i++) {
        copy[i] = (*field)[i];
        if (copy_string(a, &copy[i]) != 0)
            return -1;
    }
    *field = copy;
    return 0;
}

int ts_event_copy(ts_event *dst, const ts_event *src, ts_copy_arena *a,
                  ts_error *err)
{
    const char **strings[] = {
        &dst->session_id,   &dst->account,        &dst->database,
        &dst->application,  &dst->client_host,    &dst->client_port,
        &dst->severity,     &dst->sqlstate,       &dst->message,
        &dst->detail,       &dst->query,          &dst->audit_type,
        &dst->audit_class,  &dst->command,        &dst->object_type,
        &dst->object_name,  &dst->statement,      &dst->parameter,
        &dst->tls_protocol, &dst->tls_cipher,     &dst->unparsed_reason,
        &dst->sql_template, &dst->sql_class,      &dst->sql_command,
        &dst->principal,    &dst->principal_kind, &dst->auth_identity,
        &dst->auth_method,
    };
    struct {
        const char *const **array;
        size_t n;
    } arrays[] = {
        {&dst->tables_read, src->n_tables_read},
        {&dst->tables_written, src->n_tables_written},
        {&dst->columns_read, src->n_columns_read},
        {&dst->columns_written, src->n_columns_written},
        {&dst->tables_changed, src->n_tables_changed},
        {&dst->flows, src->n_flows},
        {&dst->value_classes, src->n_value_classes},
    };
    int failed = 0;

    *dst = *src; /* numbers, and the pointers replaced below */
    for (size_t i = 0; i < sizeof(strings) / sizeof(strings[0]); i++)
        failed |= copy_string(a, strings[i]);
    for (size_t i = 0; i < sizeof(arrays) / sizeof(arrays[0]); i++)
        failed |= copy_strings(a, arrays[i].array, arrays[i].n);
    if (src->value_hmacs != NULL && src->n_value_hmacs > 0) {
        int64_t *hmacs = arena_alloc(a, src->n_value_hmacs * sizeof(*hmacs));
        if (hmacs == NULL)
            failed = 1;
        else
            memcpy(hmacs, src->value_hmacs,
                   src->n_value_hmacs * sizeof(*hmacs));
        dst->value_hmacs = hmacs;
    }
    /* dst->reference and dst->pgstat stay borrowed: see
     * ts_event_borrows_records */
    if (failed)
        return ts_error_set(err, TS_ENOMEM, "out of memory copying an event");
    return 0;
}

int ts_event_borrows_records(const ts_event *ev)
{
    return ev->reference != NULL || ev->pgstat != NULL;
}
