/* The queue between the two halves of ingest (seal.c). The sealing half
 * reads the source, seals its entries into the Merkle tree and packs
 * blocks; the indexing half writes the blocks, the index rows and each
 * batch's commit through the store's connection. Chunks of their work pass
 * through a bounded queue in order, and come back empty for reuse. */
#ifndef TS_STORE_SEAL_PIPE_H
#define TS_STORE_SEAL_PIPE_H

#include "store/store_internal.h"

/* A chunk ends at this many events, at a complete block, at a commit, at
 * an event whose records are borrowed, and at the end. */
#define TS_SEAL_CHUNK_EVENTS 1024

/* What a batch's commit stores besides its rows: the tree and the source's
 * cursor as they were when the sealing half decided to commit. */
typedef struct ts_seal_commit {
    int64_t decided_us; /* monotonic clock: when its last entry was sealed */
    uint64_t tree_size;
    uint8_t root[TS_HASH_SIZE];
    uint8_t frontier[8 + 64 * TS_HASH_SIZE]; /* ts_frontier_serialize */
    size_t frontier_len;
    uint64_t cursor_position, cursor_line, source_entries;
    uint8_t content_sha256[TS_HASH_SIZE]; /* the source's bytes so far */
} ts_seal_commit;

typedef struct ts_seal_chunk {
    /* events in entry order, copied (ts_event_copy) into arena */
    size_t n_events;
    ts_event events[TS_SEAL_CHUNK_EVENTS];
    uint64_t seqs[TS_SEAL_CHUNK_EVENTS];
    uint64_t lines[TS_SEAL_CHUNK_EVENTS];
    ts_copy_arena arena;
    /* 1: the last event borrows its source's records: the sealing half
     * waits until this chunk is indexed before reading on */
    int borrows;
    /* a packed block: complete (with its root), or the open tail block
     * stored at a commit */
    int has_block, block_complete;
    uint64_t block_no, block_n;
    uint8_t block_root[TS_HASH_SIZE];
    ts_buf packed;
    /* 1: the block is still its entries' CBOR (plain) and secret, and the
     * indexing half packs it into packed (the sealing half found it
     * keeping up; see pack_block in seal.c) */
    int pack_later;
    ts_buf plain;
    uint8_t secret[TS_BLOCK_SECRET_SIZE];
    int has_commit;
    ts_seal_commit commit;
    struct ts_seal_chunk *next;
} ts_seal_chunk;

/* A chunk with nothing in it; *out is the caller's (ts_seal_chunk_free).
 * TS_ENOMEM. */
int ts_seal_chunk_new(ts_seal_chunk **out, ts_error *err);
/* Empties c for reuse. */
void ts_seal_chunk_reset(ts_seal_chunk *c);
void ts_seal_chunk_free(ts_seal_chunk *c);

typedef struct ts_seal_pipe ts_seal_pipe;

/* A queue holding at most `depth` chunks; *out is the caller's
 * (ts_seal_pipe_free). TS_ENOMEM, TS_EIO when a lock cannot be made. */
int ts_seal_pipe_new(ts_seal_pipe **out, size_t depth, ts_error *err);
/* Frees the pipe and every chunk it holds; NULL does nothing. */
void ts_seal_pipe_free(ts_seal_pipe *p);

/* The sealing half: an empty chunk (reused, or new); NULL when out of
 * memory. */
ts_seal_chunk *ts_seal_pipe_take_empty(ts_seal_pipe *p);
/* The sealing half: how many chunks wait for the indexing half now. */
size_t ts_seal_pipe_queued(ts_seal_pipe *p);
/* The sealing half: queues c, waiting while the queue is full, and when
 * c->borrows until c is indexed. The pipe owns c from here. -1 when the
 * indexing half has stopped (ts_seal_pipe_stop): nothing more is wanted. */
int ts_seal_pipe_push(ts_seal_pipe *p, ts_seal_chunk *c);

/* The sealing half has ended: rc 0 at the source's end, else its failure,
 * said in err (copied). Nothing is pushed after. */
void ts_seal_pipe_finish(ts_seal_pipe *p, int rc, const ts_error *err);
/* After the sealing half's thread is joined: what it finished with. */
int ts_seal_pipe_result(ts_seal_pipe *p, ts_error *err);

/* The indexing half: the next chunk, waiting for one; NULL when the
 * sealing half has finished and every chunk was taken. The caller hands
 * it back with ts_seal_pipe_done. */
ts_seal_chunk *ts_seal_pipe_pop(ts_seal_pipe *p);
void ts_seal_pipe_done(ts_seal_pipe *p, ts_seal_chunk *c);
/* The indexing half has failed: every push from now on returns -1. */
void ts_seal_pipe_stop(ts_seal_pipe *p);

#endif
