/* The bounded queue of chunks between sealing and indexing (seal_pipe.h). */
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include "store/seal_pipe.h"

struct ts_seal_pipe {
    pthread_mutex_t lock;
    pthread_cond_t changed;     /* a chunk queued, taken or indexed; a stop */
    ts_seal_chunk *head, *tail; /* queued, oldest first */
    size_t queued, depth;
    ts_seal_chunk *spare; /* indexed chunks kept for reuse */
    unsigned long pushed, indexed;
    int stopped;  /* the indexing half gave up */
    int finished; /* the sealing half ended, with finish_rc */
    int finish_rc;
    ts_error finish_err;
};

int ts_seal_chunk_new(ts_seal_chunk **out, ts_error *err)
{
    ts_seal_chunk *c = calloc(1, sizeof(*c));

    *out = NULL;
    if (c == NULL)
        return ts_error_set(err, TS_ENOMEM, "out of memory");
    ts_buf_init(&c->packed, TS_MAX_ENTRY_SIZE * 5);
    ts_buf_init(&c->plain, TS_MAX_ENTRY_SIZE * 4);
    *out = c;
    return 0;
}

void ts_seal_chunk_reset(ts_seal_chunk *c)
{
    c->n_events = 0;
    ts_copy_arena_reset(&c->arena);
    c->borrows = 0;
    c->has_block = 0;
    c->block_complete = 0;
    /* a block is ~1 MB of CBOR and its packed buffer ~2 MB, and one
     * chunk in four carries one: kept, they would hold ~3 MB per chunk */
    c->pack_later = 0;
    ts_buf_release(&c->plain);
    ts_buf_release(&c->packed);
    c->has_commit = 0;
    c->next = NULL;
}

void ts_seal_chunk_free(ts_seal_chunk *c)
{
    if (c == NULL)
        return;
    ts_copy_arena_release(&c->arena);
    ts_buf_release(&c->packed);
    ts_buf_release(&c->plain);
    free(c);
}

static void free_list(ts_seal_chunk *c)
{
    while (c != NULL) {
        ts_seal_chunk *next = c->next;
        ts_seal_chunk_free(c);
        c = next;
    }
}

int ts_seal_pipe_new(ts_seal_pipe **out, size_t depth, ts_error *err)
{
    ts_seal_pipe *p = calloc(1, sizeof(*p));

    *out = NULL;
    if (p == NULL)
        return ts_error_set(err, TS_ENOMEM, "out of memory");
    if (pthread_mutex_init(&p->lock, NULL) != 0) {
        free(p);
        return ts_error_set(err, TS_EIO, "cannot make a lock for ingest");
    }
    if (pthread_cond_init(&p->changed, NULL) != 0) {
        pthread_mutex_destroy(&p->lock);
        free(p);
        return ts_error_set(err, TS_EIO, "cannot make a lock for ingest");
    }
    p->depth = depth > 0 ? depth : 1;
    *out = p;
    return 0;
}

void ts_seal_pipe_free(ts_seal_pipe *p)
{
    if (p == NULL)
        return;
    free_list(p->head);
    free_list(p->spare);
    pthread_cond_destroy(&p->changed);
    pthread_mutex_destroy(&p->lock);
    free(p);
}

ts_seal_chunk *ts_seal_pipe_take_empty(ts_seal_pipe *p)
{
    ts_seal_chunk *c;
    ts_error ignored;

    pthread_mutex_lock(&p->lock);
    c = p->spare;
    if (c != NULL)
        p->spare = c->next;
    pthread_mutex_unlock(&p->lock);
    if (c != NULL) {
        c->next = NULL;
        return c;
    }
    return ts_seal_chunk_new(&c, &ignored) == 0 ? c : NULL;
}

size_t ts_seal_pipe_queued(ts_seal_pipe *p)
{
    size_t n;

    pthread_mutex_lock(&p->lock);
    n = p->queued;
    pthread_mutex_unlock(&p->lock);
    return n;
}

int ts_seal_pipe_push(ts_seal_pipe *p, ts_seal_chunk *c)
{
    unsigned long mine;
    int rc = 0;

    c->next = NULL;
    pthread_mutex_lock(&p->lock);
    while (!p->stopped && p->queued >= p->depth)
        pthread_cond_wait(&p->changed, &p->lock);
    if (p->stopped) {
        ts_seal_chunk_reset(c);
        c->next = p->spare;
        p->spare = c;
        pthread_mutex_unlock(&p->lock);
        return -1;
    }
    if (p->tail != NULL)
        p->tail->next = c;
    else
        p->head = c;
    p->tail = c;
    p->queued++;
    mine = ++p->pushed;
    pthread_cond_broadcast(&p->changed);
    if (c->borrows) {
        while (!p->stopped && p->indexed < mine)
            pthread_cond_wait(&p->changed, &p->lock);
        if (p->indexed < mine)
            rc = -1;
    }
    pthread_mutex_unlock(&p->lock);
    return rc;
}

ts_seal_chunk *ts_seal_pipe_pop(ts_seal_pipe *p)
{
    ts_seal_chunk *c;

    pthread_mutex_lock(&p->lock);
    while (p->head == NULL && !p->finished)
        pthread_cond_wait(&p->changed, &p->lock);
    c = p->head;
    if (c == NULL) {
        pthread_mutex_unlock(&p->lock);
        return NULL;
    }
    p->head = c->next;
    if (p->head == NULL)
        p->tail = NULL;
    p->queued--;
    pthread_cond_broadcast(&p->changed);
    pthread_mutex_unlock(&p->lock);
    c->next = NULL;
    return c;
}

void ts_seal_pipe_done(ts_seal_pipe *p, ts_seal_chunk *c)
{
    ts_seal_chunk_reset(c);
    pthread_mutex_lock(&p->lock);
    c->next = p->spare;
    p->spare = c;
    p->indexed++;
    pthread_cond_broadcast(&p->changed);
    pthread_mutex_unlock(&p->lock);
}

void ts_seal_pipe_finish(ts_seal_pipe *p, int rc, const ts_error *err)
{
    pthread_mutex_lock(&p->lock);
    p->finished = 1;
    p->finish_rc = rc;
    if (rc != 0 && err != NULL)
        p->finish_err = *err;
    pthread_cond_broadcast(&p->changed);
    pthread_mutex_unlock(&p->lock);
}

int ts_seal_pipe_result(ts_seal_pipe *p, ts_error *err)
{
    int rc;

    pthread_mutex_lock(&p->lock);
    rc = p->finish_rc;
    if (rc != 0 && err != NULL)
        *err = p->finish_err;
    pthread_mutex_unlock(&p->lock);
    return rc;
}

void ts_seal_pipe_stop(ts_seal_pipe *p)
{
    pthread_mutex_lock(&p->lock);
    p->stopped = 1;
    pthread_cond_broadcast(&p->changed);
    pthread_mutex_unlock(&p->lock);
}
