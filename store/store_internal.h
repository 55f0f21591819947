/* Private declarations of the store module, and the handle other library
 * modules (query/, report/) use to read the index. */
#ifndef TS_STORE_INTERNAL_H
#define TS_STORE_INTERNAL_H

#include <sqlite3.h>

#include "common/hmac.h"
#include "store/crypto.h"
#include "trailseal/store.h"

/* The index schema (schemas/index.sql), compiled in. */
extern const char ts_index_schema_sql[];
/* The chain schema (schemas/chain.sql), compiled in. */
extern const char ts_chain_schema_sql[];

#define TS_STORE_FORMAT_VERSION 2
/* The index's layout (schemas/index.sql), in meta "index_version" (absent:
 * 1). Bumped when a table gains or changes columns, which CREATE ... IF NOT
 * EXISTS cannot do to an existing store. */
#define TS_INDEX_VERSION 17
#define TS_INDEX_VERSION_TEXT "17"
/* event_value_hmacs.bucket is an entry index shifted right by this many
 * bits (layout 3; schemas/index.sql says why): 65536 entries a bucket. As
 * SQL text, for the statements that write and read it. */
#define TS_VALUE_HMAC_BUCKET_BITS_SQL "16"
/* TS_EVENT_AUDIT in SQL text. */
#define TS_EVENT_AUDIT_SQL "2"
/* Entries per block of a new store (meta block_entries, fixed at
 * creation): a power of two, so a full block is a complete subtree, and at
 * most TS_BLOCK_ENTRIES_MAX. At zstd level 9, 4096 gives a chain 9% smaller
 * than 1024, and 28% smaller than 1024 at level 3, the old default
 * (docs/PERFORMANCE.md, "Chain: 4096-entry blocks at zstd level 9"); a
 * proof unpacks one block. */
#define TS_BLOCK_ENTRIES 4096
#define TS_BLOCK_ENTRIES_MAX TS_STORE_MAX_BLOCK_ENTRIES
/* event_spans buckets hold 2^TS_SPAN_BITS entries (schemas/index.sql). */
#define TS_SPAN_BITS 10
/* Largest record sealed as one entry; readers cut longer ones. */
#define TS_MAX_ENTRY_SIZE ((size_t)80 << 20)

struct ts_store {
    sqlite3 *db;
    char *path;
    unsigned flags;
    int has_signer; /* the private key is loaded */
    ts_signer signer;
    ts_verifier verifier; /* the store's own public key (meta) */
    uint8_t store_id[TS_STORE_ID_SIZE];
    char origin[TS_KEY_NAME_MAX];
    uint64_t block_entries;
    int index_version; /* meta index_version: the index's layout */
    /* Roots of full blocks, read once each by proofs (a root sits after its
     * block's data in the row, so reading it walks the whole blob); full
     * blocks never change. root_known[i]: roots[i] holds block i's root. */
    uint8_t (*root_cache)[TS_HASH_SIZE];
    uint8_t *root_known;
    uint64_t root_cache_n;
    /* The blocks proofs last decompressed (prove.c), NULL until the first
     * proof; freed with ts_store_prover_free. */
    struct ts_prover *prover;
    /* ts_store_checkpoint's query, prepared on first use: proofs ask for
     * the newest checkpoint once each (134k times in a pack at 10M). */
    sqlite3_stmt *newest_checkpoint;
};

/* Frees the store's proof cache (prove.c); the store closes it before its
 * connection. */
void ts_store_prover_free(ts_store *store);

/* Runs one or more SQL statements without results; err gets SQLite's
 * message prefixed by `what`. */
int ts_store_exec(ts_store *store, const char *sql, const char *what,
                  ts_error *err);

/* Fills err from SQLite's last error on the store's connection. */
int ts_store_db_error(ts_store *store, const char *what, ts_error *err);

/* Steps st, which returns no rows, then resets it and clears its bindings
 * for the next use; err as ts_store_exec. */
int ts_store_step_done(ts_store *store, sqlite3_stmt *st, const char *what,
                       ts_error *err);

/* Runs sql, which returns one non-negative integer (a count), into *out;
 * err as ts_store_exec. */
int ts_store_count(ts_store *store, const char *sql, const char *what,
                   uint64_t *out, ts_error *err);

/* Reads meta `key` as a blob of exactly `size` bytes (size 0: any length up
 * to buf_size, NUL-terminated as text). */
int ts_store_meta_get(ts_store *store, const char *key, void *buf,
                      size_t buf_size, size_t *out_len, ts_error *err);

/* ---- event_copy.c: events that outlive their source's buffers ---- */

/* sizeof(ts_event) when event_copy.c last learnt its fields (x86-64). */
#define TS_EVENT_COPY_KNOWN_SIZE 464

/* Bump allocation in 64 KiB slabs, all freed at once. Embedded,
 * zero-initialised; released with ts_copy_arena_release. */
typedef struct ts_copy_slab ts_copy_slab;
typedef struct ts_copy_arena {
    ts_copy_slab *slabs;
} ts_copy_arena;

/* Forgets every copy made, keeping one slab for the next ones. */
void ts_copy_arena_reset(ts_copy_arena *a);
void ts_copy_arena_release(ts_copy_arena *a);

/* *dst = *src with every string and array copied into a: dst then outlives
 * the source's next call. src->reference and src->pgstat are not copied
 * (dst borrows them; see ts_event_borrows_records). TS_ENOMEM. */
int ts_event_copy(ts_event *dst, const ts_event *src, ts_copy_arena *a,
                  ts_error *err);

/* 1 when ev points at records ts_event_copy leaves borrowed: such an event
 * must be indexed before its source is called again. */
int ts_event_borrows_records(const ts_event *ev);

/* ---- index.c: writing events into the index ---- */

typedef struct ts_index_writer ts_index_writer;

/* Copies the write-ahead log into the store file on a thread with its own
 * connection while ingest goes on (wal_copier.c), instead of inside each
 * COMMIT. */
typedef struct ts_wal_copier ts_wal_copier;

/* Starts the thread and turns the writer's own copying off. *out is NULL
 * (and 0 returned) when the store keeps no write-ahead log or no thread
 * could start: the writer then copies, as SQLite does by default. */
int ts_wal_copier_start(ts_store *store, ts_wal_copier **out, ts_error *err);

/* After a commit: copy what is committed. -1 when a copy has failed (an
 * I/O error; the committed frames stay in the log): stop the copier, and
 * the writer copies again itself. */
int ts_wal_copier_poke(ts_wal_copier *c);

/* Waits until every commit poked is copied (then the writer's next
 * transaction can start the log over from its beginning). -1 as above. */
int ts_wal_copier_settle(ts_wal_copier *c);

/* Stops and joins the thread and turns the writer's copying back on;
 * NULL does nothing. */
void ts_wal_copier_stop(ts_wal_copier *c);

/* Prepares the statements that index events; *out is the caller's, freed
 * with ts_index_writer_free(). */
int ts_index_writer_new(ts_index_writer **out, ts_store *store, ts_error *err);
void ts_index_writer_free(ts_index_writer *w);
/* Records the event of entry `seq` read from source row `source_id`. */
int ts_index_writer_add(ts_index_writer *w, uint64_t seq, int64_t source_id,
                        uint64_t line, const ts_event *ev, ts_error *err);

/* Writes the sessions and accounts summed since the last flush; the
 * sealer calls it in each batch's transaction before committing. */
int ts_index_writer_flush(ts_index_writer *w, ts_error *err);

/* ---- index_templates.c: SQL templates and what they access ---- */

typedef struct ts_template_writer ts_template_writer;

int ts_template_writer_new(ts_template_writer **out, ts_store *store,
                           ts_error *err);
void ts_template_writer_free(ts_template_writer *t);
/* The templates row id of ev's template, writing the template and its
 * template_access rows the first time; 0 when ev carries no analysis. A
 * fingerprint already seen by this writer costs one hash lookup. */
int ts_template_writer_id(ts_template_writer *t, const ts_event *ev,
                          int64_t *out_id, ts_error *err);
/* Distinct templates this writer added to the index. */
uint64_t ts_template_writer_added(const ts_template_writer *t);

/* ---- index_dict.c: dictionaries (event_texts, event_origins,
 * event_identities) ---- */

#define TS_DICT_COLS_MAX 7

/* A tuple's key_hash: of its n_cols texts, each possibly NULL. */
typedef int64_t (*ts_dict_hash_fn)(const char *const *values);

typedef struct ts_dict_spec {
    const char *table; /* (id INTEGER PRIMARY KEY, key_hash, cols...), or
                        * without key_hash when hash is NULL */
    const char *cols[TS_DICT_COLS_MAX];
    size_t n_cols;
    ts_dict_hash_fn hash; /* NULL: an index on the first columns finds a
                           * tuple */
    const char *what;     /* for messages, e.g. "indexing texts" */
    size_t cache_items, cache_bytes; /* what memory holds at most */
} ts_dict_spec;

typedef struct ts_dict_writer ts_dict_writer;

/* spec's strings must outlive the writer. */
int ts_dict_writer_new(ts_dict_writer **out, ts_store *store,
                       const ts_dict_spec *spec, ts_error *err);
void ts_dict_writer_free(ts_dict_writer *w);
/* The id of the tuple values[0 .. n_cols-1], writing its row the first
 * time (*inserted 1: a new row, which a caller may index further). A
 * tuple this writer has seen costs one hash lookup. */
int ts_dict_writer_id(ts_dict_writer *w, const char *const *values,
                      int64_t *out_id, int *inserted, ts_error *err);
/* FNV-1a of n texts (NULL: none), each as a flag, the text and a NUL. */
int64_t ts_dict_key_hash(const char *const *values, size_t n);

/* ---- index_texts.c: the text dictionary of pgAudit records ---- */

typedef struct ts_text_writer ts_text_writer;

int ts_text_writer_new(ts_text_writer **out, ts_store *store, ts_error *err);
void ts_text_writer_free(ts_text_writer *w);
/* The event_texts id of a pgAudit record's text: its statement, and what
 * else its record says that repeats with it: object_name (NULL for none),
 * object_table (ts_object_table of object_name), severity, sqlstate,
 * audit_type and object_type (schemas/index.sql, event_texts). Writes the
 * text and its full-text row the first time; one this writer has seen
 * costs one hash lookup. */
typedef struct ts_text_key {
    const char *statement, *object_name, *object_table;
    const char *severity, *sqlstate, *audit_type, *object_type;
} ts_text_key;
int ts_text_writer_id(ts_text_writer *w, const ts_text_key *key,
                      int64_t *out_id, ts_error *err);
/* Longest object name whose table part is indexed for --object. */
#define TS_OBJECT_TABLE_MAX 512
/* events.object_table and event_texts.object_table of an object name: the
 * name after the first '.', lowercased (ASCII), into buf; NULL when there
 * is no name or it does not fit in buf (size: TS_OBJECT_TABLE_MAX). */
const char *ts_object_table(const char *name, char *buf, size_t size);
/* event_texts.key_hash of a pair. */
int64_t ts_text_key_hash(const char *statement, const char *object_name);

/* ---- postings.c, index_postings.c: posting lists (event_postings) ---- */

/* A posting list covers a block of 2^TS_POSTING_BITS entries (block =
 * seq >> TS_POSTING_BITS; schemas/index.sql, "Posting lists"). */
#define TS_POSTING_BITS 16
/* From layout 14, event_postings is keyed by (field, epoch, value, block),
 * epoch = block >> TS_POSTING_EPOCH_BITS (2^20 entries): a commit's rows
 * land in the newest epoch's part of the table, not all over it. */
#define TS_POSTING_EPOCH_BITS 4
#define TS_POSTING_EPOCH_BITS_SQL "4"
#define TS_POSTING_EPOCH_LAYOUT 14

/* Registers SQL's ts_postings_append() and the table-valued function
 * ts_postings() on db, store's connection (postings.c says what they do;
 * ts_postings() reads store->index_version); an SQLite code. */
int ts_postings_register(sqlite3 *db, ts_store *store);

/* The fields kept as posting lists; event_postings.field is
 * ts_posting_field_name() of one. */
typedef enum ts_posting_field {
    TS_POSTING_TEXT,     /* events.text_id */
    TS_POSTING_OBJECT,   /* events.object_table */
    TS_POSTING_ACCOUNT,  /* events.account (layout 8) */
    TS_POSTING_VALUE,    /* the values' HMACs (ts_event.value_hmacs; layout
                            9, before it event_value_hmacs) */
    TS_POSTING_COMMAND,  /* events.command (layout 10, before it the bucket
                            maps of event_buckets) */
    TS_POSTING_DATABASE, /* events.database (the same) */
    TS_POSTING_SESSION,  /* events.session_id (layout 12, before it the
                            index events_by_session) */
    TS_POSTING_TEMPLATE, /* events.template_id (layout 13, before it the
                            index events_by_template) */
    TS_POSTING_FIELDS
} ts_posting_field;

typedef struct ts_postings_writer ts_postings_writer;

int ts_postings_writer_new(ts_postings_writer **out, ts_store *store,
                           ts_error *err);
void ts_postings_writer_free(ts_postings_writer *w);
/* Adds entry seq to value's list; seq grows from one call to the next. A
 * new block writes the lists of the one before. */
int ts_postings_writer_add(ts_postings_writer *w, ts_posting_field field,
                           int64_t value, uint64_t seq, ts_error *err);
/* The same for a text value (copied). */
int ts_postings_writer_add_text(ts_postings_writer *w, ts_posting_field field,
                                const char *value, uint64_t seq, ts_error *err);
/* Writes the lists held (the current block's so far): before a commit. */
int ts_postings_writer_flush(ts_postings_writer *w, ts_error *err);
const char *ts_posting_field_name(ts_posting_field field);
/* The column of events a field lists (e.g. "text_id"); NULL for 'value'. */
const char *ts_posting_field_column(ts_posting_field field);
/* The first index layout that keeps the field as posting lists. */
int ts_posting_field_layout(ts_posting_field field);

/* ---- index_reference.c: identities, approvals, catalog snapshots ---- */

typedef struct ts_ref_writer ts_ref_writer;

int ts_ref_writer_new(ts_ref_writer **out, ts_store *store, ts_error *err);
void ts_ref_writer_free(ts_ref_writer *w);
/* Indexes the reference record of ev (ev->reference; nothing when NULL),
 * entry seq of source source_id, whose load is the snapshot. */
int ts_ref_writer_add(ts_ref_writer *w, uint64_t seq, int64_t source_id,
                      const ts_event *ev, ts_error *err);

/* ---- index_pgstat.c: pg_stat snapshot rows and statement deltas ---- */

typedef struct ts_pgstat_writer ts_pgstat_writer;

int ts_pgstat_writer_new(ts_pgstat_writer **out, ts_store *store,
                         ts_error *err);
void ts_pgstat_writer_free(ts_pgstat_writer *w);
/* Files the pg_stat row of `in` (in->pgstat; nothing when NULL), entry seq
 * of source source_id, and writes into *ev the event to index: `in`, with
 * a pg_stat_statements row's rows, message and kind made its delta since
 * the server's previous snapshot (kind pg_stat, no account and no analysis
 * when there were no new calls). ev's strings may borrow from w until the
 * next call. */
int ts_pgstat_writer_add(ts_pgstat_writer *w, uint64_t seq, int64_t source_id,
                         const ts_event *in, ts_event *ev, ts_error *err);

/* ---- rollup.c: sessions and accounts of a batch, summed in memory ---- */

typedef struct ts_rollup ts_rollup;

int ts_rollup_new(ts_rollup **out, ts_error *err);
void ts_rollup_free(ts_rollup *r);
/* Adds event seq to its session's and account's sums (when it names
 * them); seq grows from one call to the next. */
int ts_rollup_add(ts_rollup *r, uint64_t seq, int64_t source_id,
                  const ts_event *ev, int is_statement, ts_error *err);
/* Distinct sessions plus accounts held. */
size_t ts_rollup_count(const ts_rollup *r);
/* Upserts every sum with the given prepared statements (schemas: sessions
 * and accounts) and empties the rollup. */
int ts_rollup_flush(ts_rollup *r, ts_store *store, sqlite3_stmt *session,
                    sqlite3_stmt *account, ts_error *err);

/* ---- completeness.c: gaps in a source's own numbering, rotation ---- */

typedef struct ts_completeness ts_completeness;

int ts_completeness_new(ts_completeness **out, ts_store *store, ts_error *err);
void ts_completeness_free(ts_completeness *c);
/* Follows the event's session numbering; records facts in the index
 * (schemas/index.sql: completeness_facts, source_continuations). */
int ts_completeness_add(ts_completeness *c, uint64_t seq, int64_t source_id,
                        const ts_event *ev, ts_error *err);
/* Saves where every session met since the last flush stands. */
int ts_completeness_flush(ts_completeness *c, ts_error *err);

/* ---- index_classes.c: data classes ---- */

/* Rebuilds column_classes from class_rules, template_access and the newest
 * catalog snapshot (schemas/index.sql), inside the caller's transaction. */
int ts_index_classes_refresh(ts_store *store, ts_error *err);

/* The same into any table shaped like column_classes (out_table) from any
 * table shaped like class_rules (rules_table), e.g. TEMP tables of a
 * reader: both names are trusted SQL, at most 63 bytes. */
int ts_index_classify(sqlite3 *db, const char *out_table,
                      const char *rules_table, ts_error *err);

/* ---- block.c: the stored block format (schemas/block.md) ---- */

/* First byte of a stored block: its format. */
#define TS_BLOCK_FORMAT 2
/* A block with redacted entries: format 2 plus their original-record HMACs
 * (schemas/block.md). */
#define TS_BLOCK_FORMAT_HMAC 3
/* Each block has its own random secret; entry salts derive from it. */
#define TS_BLOCK_SECRET_SIZE 32

/* The salt of entry seq in a block with this secret:
 * HMAC-SHA256(secret, 8-byte big-endian seq), first 16 bytes. */
void ts_block_salt(const uint8_t secret[TS_BLOCK_SECRET_SIZE], uint64_t seq,
                   uint8_t salt[TS_SALT_SIZE]);
/* ts_block_salt() of entry seq under k, a block's secret keyed once
 * (ts_hmac_keys_set): what the sealer keeps while a block is open. */
void ts_salt_of(const ts_hmac_keys *k, uint64_t seq,
                uint8_t salt[TS_SALT_SIZE]);
/* Stores cbor (entries' canonical encodings, back to back, consecutive
 * seqs of one store, salts derived from secret) into out (replacing its
 * contents) in the compact block form. TS_EINVAL when an entry does not
 * fit the form. */
int ts_block_pack(const uint8_t secret[TS_BLOCK_SECRET_SIZE],
                  const uint8_t *cbor, size_t len, ts_buf *out, ts_error *err);
/* What packs block after block on one thread: a zstd context, the body
 * and the decoded entries, allocated once and kept at their size (a block
 * is ~1.2 MB; fresh buffers each time cost page faults). */
typedef struct ts_block_packer ts_block_packer;
int ts_block_packer_new(ts_block_packer **out, ts_error *err);
void ts_block_packer_free(ts_block_packer *p); /* NULL is fine */
/* ts_block_pack with p's buffers and context. */
int ts_block_pack_with(ts_block_packer *p,
                       const uint8_t secret[TS_BLOCK_SECRET_SIZE],
                       const uint8_t *cbor, size_t len, ts_buf *out,
                       ts_error *err);
/* Rebuilds a stored block's entries as their canonical CBOR encodings,
 * back to back, into out (replacing its contents; out's cap bounds the
 * size); secret_out (may be NULL) receives the block's secret. Refuses
 * anything malformed with TS_ECORRUPT; callers still decode and check
 * each entry. */
int ts_block_unpack(const uint8_t *src, size_t len, ts_buf *out,
                    uint8_t secret_out[TS_BLOCK_SECRET_SIZE], ts_error *err);

/* What a stored block says of itself (its compact form's header). */
typedef struct ts_block_info {
    uint64_t n_entries;
    uint64_t first_seq;
    uint8_t store_id[TS_STORE_ID_SIZE];
    uint8_t secret[TS_BLOCK_SECRET_SIZE];
} ts_block_info;

/* Reads blocks one after another with one zstd context, one buffer and one
 * set of hash contexts, so that a block costs no allocations. */
typedef struct ts_block_reader ts_block_reader;

/* *out is the caller's, freed with ts_block_reader_free(); cap bounds a
 * block's decompressed size. */
int ts_block_reader_new(ts_block_reader **out, size_t cap, ts_error *err);
void ts_block_reader_free(ts_block_reader *r);
/* The leaf hash of each of a stored block's first max_entries entries into
 * leaves[], and its header (info->n_entries: all its entries) into *info:
 * exactly ts_merkle_leaf_hash() of each entry ts_block_unpack() rebuilds,
 * without building the encodings. TS_ECORRUPT for everything
 * ts_block_unpack() refuses. */
int ts_block_reader_leaves(ts_block_reader *r, const uint8_t *src, size_t len,
                           ts_block_info *info, uint8_t (*leaves)[TS_HASH_SIZE],
                           size_t max_entries, ts_error *err);

/* A block's entries as a prover wants them: each one's canonical encoding
 * (plain, back to back; offsets[i] where entry i starts, offsets[m] the
 * end, m the entries filled: the block's, at most max_entries) and leaf
 * hash (leaves[i]). All three are the caller's; offsets holds
 * max_entries + 1 and leaves max_entries. */
typedef struct ts_block_entries {
    ts_buf plain;
    size_t *offsets;
    uint8_t (*leaves)[TS_HASH_SIZE];
} ts_block_entries;

/* Fills *out with a stored block's first max_entries entries, and *info
 * with its header: what ts_block_unpack() rebuilds and
 * ts_block_reader_leaves() hashes, in one pass and with the reader's
 * contexts. TS_ECORRUPT for everything ts_block_unpack() refuses. */
int ts_block_reader_entries(ts_block_reader *r, const uint8_t *src, size_t len,
                            ts_block_info *info, ts_block_entries *out,
                            size_t max_entries, ts_error *err);

/* The store's SQLite connection, borrowed until ts_store_free(). query/ and
 * report/ read the index through it; only store/ writes. */
sqlite3 *ts_store_sqlite(ts_store *store);

/* The path the store was opened from, borrowed until ts_store_free(). */
const char *ts_store_path(const ts_store *store);

/* Prepares sql on the store's connection; on failure fills err with
 * SQLite's message prefixed by `what`. */
int ts_store_prepare(ts_store *store, const char *sql, sqlite3_stmt **out,
                     const char *what, ts_error *err);

#endif
