-- trailseal chain schema: the sealed evidence. Never rewritten, only appended
-- (the newest, incomplete block is rewritten until it holds BLOCK_ENTRIES).
-- Entries are deterministic CBOR (schemas/entry.cddl). The Merkle tree is RFC
-- 9162 over every entry in seq order: leaf hash = SHA-256(0x00 || entry bytes).

-- Store-wide facts: format_version, store_id (16 bytes), origin (the
-- checkpoint origin line and signing key name), verifier_key (C2SP note
-- verifier), block_entries, created_us.
CREATE TABLE IF NOT EXISTS meta (
    key TEXT PRIMARY KEY,
    value BLOB NOT NULL
);

-- Block n holds entries [n * block_entries, n * block_entries + n_entries):
-- a complete subtree of the Merkle tree once full. `data` is the block's
-- stored form (schemas/block.md): a format byte, the block's secret (entry
-- salts derive from it) and a zstd frame of the entries' fields, from which
-- their canonical CBOR is rebuilt on read. `root` is the subtree's hash when
-- the block is full (NULL while it is the open tail block).
CREATE TABLE IF NOT EXISTS blocks (
    block_no INTEGER PRIMARY KEY,
    first_seq INTEGER NOT NULL,
    n_entries INTEGER NOT NULL,
    data BLOB NOT NULL,
    root BLOB
);

-- A C2SP tlog-checkpoint signed note per commit.
CREATE TABLE IF NOT EXISTS checkpoints (
    id INTEGER PRIMARY KEY,
    tree_size INTEGER NOT NULL,
    root BLOB NOT NULL,
    note TEXT NOT NULL,
    signed_us INTEGER NOT NULL
);
-- The newest checkpoint without reading them all (one a minute is 525k a
-- year); stores made before it get it when next opened for writing.
CREATE INDEX IF NOT EXISTS checkpoints_by_size ON checkpoints(tree_size, id);

-- The tree's frontier after the last commit (store/crypto.h serialization),
-- so an append costs O(log n) without reading old blocks.
CREATE TABLE IF NOT EXISTS frontier (
    id INTEGER PRIMARY KEY CHECK (id = 1),
    tree_size INTEGER NOT NULL,
    data BLOB NOT NULL
);
