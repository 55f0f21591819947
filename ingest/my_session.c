/* Sessions of the MySQL-family readers: open connections and their connect
 * times, session id pieces, and printf into an event's arena. */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ingest/ingest_internal.h"
#include "trailseal/time.h"

#define MAX_OPEN ((size_t)1 << 20)

struct ts_my_conn_slot {
    int64_t id;
    int64_t start_us;
    int used;
};

/* Linear probing over a power-of-two table; deletion by backward shift. */
static size_t home_of(int64_t id, size_t n_slots)
{
    uint64_t h = (uint64_t)id * 0x9E3779B97F4A7C15ULL;
    return (size_t)(h >> 32) & (n_slots - 1);
}

static struct ts_my_conn_slot *find(const ts_my_conns *c, int64_t id)
{
    if (c->n_slots == 0)
        return NULL;
    for (size_t i = home_of(id, c->n_slots);; i = (i + 1) & (c->n_slots - 1)) {
        if (!c->slots[i].used)
            return NULL;
        if (c->slots[i].id == id)
            return &c->slots[i];
    }
}

int ts_my_conns_get(const ts_my_conns *c, int64_t id, int64_t *start_us)
{
    const struct ts_my_conn_slot *s = find(c, id);

    if (s == NULL)
        return 0;
    *start_us = s->start_us;
    return 1;
}

void ts_my_conns_remove(ts_my_conns *c, int64_t id)
{
    struct ts_my_conn_slot *s = find(c, id);
    size_t mask = c->n_slots - 1, i, j;

    if (s == NULL)
        return;
    i = (size_t)(s - c->slots);
    c->slots[i].used = 0;
    c->n--;
    for (j = (i + 1) & mask; c->slots[j].used; j = (j + 1) & mask) {
        size_t home = home_of(c->slots[j].id, c->n_slots);
        /* move j back into the hole at i when its home is not in (i, j] */
        if ((j > i && (home <= i || home > j)) ||
            (j < i && (home <= i && home > j))) {
            c->slots[i] = c->slots[j];
            c->slots[j].used = 0;
            i = j;
        }
    }
}

void ts_my_conns_put(ts_my_conns *c, int64_t id, int64_t start_us)
{
    struct ts_my_conn_slot *s = find(c, id);

    if (s != NULL) {
        s->start_us = start_us;
        return;
    }
    if (c->n + 1 > c->n_slots / 2) {
        size_t n = c->n_slots == 0 ? 1024 : c->n_slots * 2;
        struct ts_my_conn_slot *old = c->slots, *grown = NULL;
        size_t n_old = c->n_slots;

        if (n / 2 <= MAX_OPEN)
            grown = calloc(n, sizeof(*grown));
        if (grown == NULL) {
            if (n_old == 0)
                return;
            memset(c->slots, 0, n_old * sizeof(*c->slots));
            c->n = 0;
        } else {
            c->slots = grown;
            c->n_slots = n;
            c->n = 0;
            for (size_t i = 0; i < n_old; i++) {
                if (old[i].used)
                    ts_my_conns_put(c, old[i].id, old[i].start_us);
            }
            free(old);
        }
    }
    for (size_t i = home_of(id, c->n_slots);; i = (i + 1) & (c->n_slots - 1)) {
        if (!c->slots[i].used) {
            c->slots[i].id = id;
            c->slots[i].start_us = start_us;
            c->slots[i].used = 1;
            c->n++;
            return;
        }
    }
}

void ts_my_conns_release(ts_my_conns *c)
{
    free(c->slots);
    memset(c, 0, sizeof(*c));
}

void ts_my_time_id(int64_t us, char *buf, size_t size)
{
    ts_time_format(us, buf, size);
    if (us % 1000000 == 0 && strlen(buf) == 27)
        memmove(buf + 19, buf + 26, 2);
}

const char *ts_arena_printf(ts_arena *arena, const char *fmt, ...)
{
    size_t room = arena->size - arena->len;
    char *d = arena->data + arena->len;
    va_list ap;
    int n;

    va_start(ap, fmt);
    n = vsnprintf(d, room, fmt, ap);
    va_end(ap);
    if (n < 0 || (size_t)n >= room)
        return NULL;
    arena->len += (size_t)n + 1;
    return d;
}
