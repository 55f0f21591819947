/* Copies the write-ahead log into the store file on a thread of its own
 * while ingest goes on. SQLite otherwise does it inside COMMIT
 * (wal_autocheckpoint), so each batch's signed checkpoint waited on random
 * writes across the whole store file, and the parsing waited with it. A
 * commit is durable once its WAL frames are synced (synchronous=FULL);
 * copying them into the file later changes nothing any reader sees. */
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include "store/store_internal.h"

struct ts_wal_copier {
    ts_store *store;
    sqlite3 *db; /* the copier's own connection */
    pthread_t thread;
    pthread_mutex_t lock;
    pthread_cond_t wake;   /* a commit to copy, or stop */
    pthread_cond_t copied; /* a copy done, or failed */
    unsigned long wanted;  /* commits poked */
    unsigned long done;    /* commits copied */
    int stop;
    int failed; /* a copy failed (not merely busy): the thread ended */
};

static void *run(void *arg)
{
    ts_wal_copier *c = arg;

    pthread_mutex_lock(&c->lock);
    for (;;) {
        unsigned long target;
        int rc;

        while (!c->stop && c->done == c->wanted)
            pthread_cond_wait(&c->wake, &c->lock);
        if (c->stop)
            break;
        target = c->wanted;
        pthread_mutex_unlock(&c->lock);
        /* PASSIVE: copies every frame no reader still needs, never waits
         * for the writer; SQLITE_BUSY means another copy is running */
        rc = sqlite3_wal_checkpoint_v2(c->db, NULL, SQLITE_CHECKPOINT_PASSIVE,
                                       NULL, NULL);
        pthread_mutex_lock(&c->lock);
        c->done = target;
        c->failed = rc != SQLITE_OK && rc != SQLITE_BUSY;
        pthread_cond_broadcast(&c->copied);
        if (c->failed)
            break;
    }
    pthread_mutex_unlock(&c->lock);
    return NULL;
}

/* 1 when the connection's database keeps a write-ahead log. */
static int uses_wal(sqlite3 *db)
{
    sqlite3_stmt *st = NULL;
    int wal = 0;

    if (sqlite3_prepare_v2(db, "PRAGMA journal_mode", -1, &st, NULL) ==
            SQLITE_OK &&
        sqlite3_step(st) == SQLITE_ROW)
        wal = sqlite3_strnicmp((const char *)sqlite3_column_text(st, 0), "wal",
                               4) == 0;
    sqlite3_finalize(st);
    return wal;
}

int ts_wal_copier_start(ts_store *store, ts_wal_copier **out, ts_error *err)
{
    ts_wal_copier *c;
    int rc;

    *out = NULL;
    if (!uses_wal(store->db))
        return 0;
    c = calloc(1, sizeof(*c));
    if (c == NULL)
        return ts_error_set(err, TS_ENOMEM, "out of memory");
    c->store = store;
    rc = sqlite3_open_v2(store->path, &c->db, SQLITE_OPEN_READWRITE, NULL);
    if (rc != SQLITE_OK) {
        rc = ts_error_set(err, TS_EDB,
                          "'%s': cannot open a connection to copy the "
                          "write-ahead log: %s",
                          store->path,
                          c->db ? sqlite3_errmsg(c->db) : sqlite3_errstr(rc));
        sqlite3_close(c->db);
        free(c);
        return rc;
    }
    /* the connection learns the file keeps a log when it first reads it:
     * before that, a checkpoint does nothing and says nothing */
    if (!uses_wal(c->db)) {
        sqlite3_close(c->db);
        free(c);
        return 0;
    }
    pthread_mutex_init(&c->lock, NULL);
    pthread_cond_init(&c->wake, NULL);
    pthread_cond_init(&c->copied, NULL);
    if (pthread_create(&c->thread, NULL, run, c) != 0) {
        pthread_cond_destroy(&c->copied);
        pthread_cond_destroy(&c->wake);
        pthread_mutex_destroy(&c->lock);
        sqlite3_close(c->db);
        free(c);
        return 0; /* no thread: the writer copies, as SQLite does alone */
    }
    sqlite3_wal_autocheckpoint(store->db, 0);
    *out = c;
    return 0;
}

int ts_wal_copier_poke(ts_wal_copier *c)
{
    int failed;

    pthread_mutex_lock(&c->lock);
    failed = c->failed;
    c->wanted++;
    pthread_cond_signal(&c->wake);
    pthread_mutex_unlock(&c->lock);
    return failed ? -1 : 0;
}

int ts_wal_copier_settle(ts_wal_copier *c)
{
    int failed;

    pthread_mutex_lock(&c->lock);
    while (!c->failed && c->done != c->wanted)
        pthread_cond_wait(&c->copied, &c->lock);
    failed = c->failed;
    pthread_mutex_unlock(&c->lock);
    return failed ? -1 : 0;
}

void ts_wal_copier_stop(ts_wal_copier *c)
{
    if (c == NULL)
        return;
    pthread_mutex_lock(&c->lock);
    c->stop = 1;
    pthread_cond_signal(&c->wake);
    pthread_mutex_unlock(&c->lock);
    pthread_join(c->thread, NULL);
    sqlite3_close(c->db);
    pthread_cond_destroy(&c->copied);
    pthread_cond_destroy(&c->wake);
    pthread_mutex_destroy(&c->lock);
    /* SQLite's default: the writer copies after a commit past 1000 pages */
    sqlite3_wal_autocheckpoint(c->store->db, 1000);
    free(c);
}
