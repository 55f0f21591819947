/* trailseal verify: recompute and check the whole chain, and kept checkpoints.
 */
#include <getopt.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"

static const char usage[] =
    "usage: trailseal [--store PATH] verify [--checkpoint FILE]... [--vkey FILE]\n"
    "                 [--against LOGFILE]... [--json]\n\n"
    "Recomputes every entry's leaf hash, every block's root and the tree's\n"
    "root at every checkpoint from the stored bytes, and checks every\n"
    "checkpoint's Ed25519 signature. Each --checkpoint FILE is a checkpoint\n"
    "kept from earlier ('trailseal checkpoint'): the store must hold the same\n"
    "history up to its size (else forked) and must not be smaller (else\n"
    "rolled back). Without one, the verdict is unanchored: the store agrees\n"
    "with itself, which a thief of its key could also arrange.\n\n"
    "  --checkpoint FILE  a kept checkpoint (repeatable)\n"
    "  --vkey FILE        the trusted verifier key, as 'trailseal key' printed\n"
    "                     it (default: the public half of PATH.key; when that\n"
    "                     cannot be read, the key recorded in the store)\n"
    "  --against LOGFILE  also prove an original log file equal to what was\n"
    "                     sealed from it: each record byte for byte, or a\n"
    "                     redacted one by the HMAC of its original (needs the\n"
    "                     store's key file); differences as LOGFILE:LINE\n"
    "  --json             one JSON object (and one per --against LOGFILE)\n\n"
    "Exit status: 0 intact (and every LOGFILE matches), 1 tampered, forked,\n"
    "rolled back or a LOGFILE differs, 2 could not verify.\n";

/* "unchecked" when verification stopped (at tampering) before its size. */
static const char *kept_status(const ts_verify_report *r, size_t i)
{
    if (!r->kept[i].checked)
        return "unchecked";
    return r->kept[i].status == TS_VERDICT_INTACT
               ? "consistent"
               : ts_verdict_name(r->kept[i].status);
}

/* Opens the store so that verification trusts the right key: --vkey when
 * given; else the key file's public half (a key file that does not match
 * the store's recorded key means one of them was replaced: *out_problem);
 * else, saying so, the key recorded in the store. */
static ts_store *open_for_verify(const ts_cli *cli, int have_vkey,
                                 char *out_problem, size_t problem_size)
{
    ts_store *store = cli_open_store(cli, TS_STORE_READONLY | TS_STORE_NO_KEY);
    ts_store *keyed = NULL;
    ts_error err;
    int rc;

    out_problem[0] = '\0';
    if (store == NULL || have_vkey)
        return store;
    ts_error_clear(&err);
    rc = ts_store_open(&keyed, cli->store_path, TS_STORE_READONLY, &err);
    if (rc == 0) {
        ts_store_free(store);
        return keyed;
    }
    if (rc == TS_ECORRUPT)
        snprintf(out_problem, problem_size, "%s", err.msg);
    else
        fprintf(stderr,
                "note: verifying with the public key recorded in the store, "
                "which whoever can rewrite the store can replace; pass --vkey "
                "(%s)\n",
                err.msg);
    return store;
}

static void print_completeness_json(ts_store *store);

static void print_json(const ts_verify_report *r, char **names, ts_store *store)
{
    printf("{\"verdict\":\"%s\",\"anchored\":%s,\"entries\":%" PRIu64
           ",\"blocks\":%" PRIu64 ",\"checkpoints\":%" PRIu64
           ",\"key_id\":\"%s\",\"first_bad_entry\":",
           ts_verdict_name(r->verdict), r->anchored ? "true" : "false",
           r->entries, r->blocks, r->checkpoints, r->key_id);
    if (r->first_bad_entry < 0)
        printf("null");
    else
        printf("%" PRId64, r->first_bad_entry);
    printf(",\"first_bad_block\":");
    if (r->first_bad_block < 0)
        printf("null");
    else
        printf("%" PRId64, r->first_bad_block);
    printf(",\"checkpoint\":");
    if (r->checkpoint < 0)
        printf("null");
    else
        printf("%" PRId64, r->checkpoint);
    printf(",\"problem\":");
    cli_json_string(stdout,
                    r->verdict == TS_VERDICT_INTACT ? NULL : r->problem);
    printf(",\"kept\":[");
    for (size_t i = 0; i < r->n_kept; i++) {
        printf("%s{\"file\":", i ? "," : "");
        cli_json_string(stdout, names[i]);
        printf(",\"tree_size\":%" PRIu64 ",\"status\":\"%s\"}",
               r->kept[i].tree_size, kept_status(r, i));
    }
    printf("]");
    print_completeness_json(store);
    printf("}\n");
}

/* Facts listed in full by verify; the rest are counted. */
#define LISTED_FACTS 20
#define LISTED_FACTS_JSON 1000

static int print_fact_text(const ts_completeness_fact *f, void *ctx)
{
    (void)ctx;
    if (strcmp(f->kind, "continued") == 0) {
        printf("  continued: '%s' continues '%s' (%" PRId64
               " session(s) carried over, from entry %" PRId64 ")\n",
               f->source, f->previous_source, f->found, f->entry_index);
        return 0;
    }
    printf("  %s: '%s' entry %" PRId64 ": session %s %s %" PRId64, f->kind,
           f->source, f->entry_index, f->session_id, f->sequence, f->found);
    if (f->expected >= 0)
        printf(", expected %" PRId64, f->expected);
    if (f->previous_entry_index >= 0)
        printf(" (its previous record: '%s' entry %" PRId64 ")",
               f->previous_source, f->previous_entry_index);
    printf("\n");
    return 0;
}

static void print_completeness_text(ts_store *store)
{
    ts_completeness_summary sum;
    ts_error err;
    uint64_t n;

    ts_error_clear(&err);
    if (ts_store_completeness(store, 0, NULL, NULL, &sum, &err) != 0) {
        cli_error("completeness: %s", err.msg);
        return;
    }
    n = sum.gaps + sum.reordered + sum.began_earlier + sum.continued;
    printf("completeness: %" PRIu64 " gaps, %" PRIu64 " out of order, %" PRIu64
           " sessions begun before the first records ingested, %" PRIu64
           " log continuations (rotation)\n",
           sum.gaps, sum.reordered, sum.began_earlier, sum.continued);
    if (n == 0)
        return;
    if (ts_store_completeness(store, LISTED_FACTS, print_fact_text, NULL, &sum,
                              &err) != 0)
        cli_error("completeness: %s", err.msg);
    if (n > LISTED_FACTS)
        printf("  ... and %" PRIu64
               " more (the index's v_completeness view lists all)\n",
               n - LISTED_FACTS);
}

static int print_fact_json(const ts_completeness_fact *f, void *ctx)
{
    int *first = ctx;

    printf("%s{\"kind\":", *first ? "" : ",");
    *first = 0;
    cli_json_string(stdout, f->kind);
    printf(",\"sequence\":");
    cli_json_string(stdout, f->sequence);
    printf(",\"session_id\":");
    cli_json_string(stdout, f->session_id);
    printf(",\"source\":");
    cli_json_string(stdout, f->source);
    printf(",\"previous_source\":");
    cli_json_string(stdout, f->previous_source);
    printf(",\"entry_index\":%" PRId64, f->entry_index);
    if (f->previous_entry_index >= 0)
        printf(",\"previous_entry_index\":%" PRId64, f->previous_entry_index);
    else
        printf(",\"previous_entry_index\":null");
    if (f->expected >= 0)
        printf(",\"expected\":%" PRId64, f->expected);
    else
        printf(",\"expected\":null");
    printf(",\"found\":%" PRId64 "}", f->found);
    return 0;
}

/* ,"completeness":{...} inside verify's JSON object; null when unreadable. */
static void print_completeness_json(ts_store *store)
{
    ts_completeness_summary sum;
    ts_error err;
    int first = 1;

    ts_error_clear(&err);
    printf(",\"completeness\":");
    if (store == NULL ||
        ts_store_completeness(store, 0, NULL, NULL, &sum, &err) != 0) {
        printf("null");
        return;
    }
    printf("{\"gaps\":%" PRIu64 ",\"reordered\":%" PRIu64
           ",\"began_earlier\":%" PRIu64 ",\"continued\":%" PRIu64
           ",\"facts\":[",
           sum.gaps, sum.reordered, sum.began_earlier, sum.continued);
    if (ts_store_completeness(store, LISTED_FACTS_JSON, print_fact_json, &first,
                              &sum, &err) != 0)
        cli_error("completeness: %s", err.msg);
    printf("],\"facts_listed_max\":%d}", LISTED_FACTS_JSON);
}

static void print_text(const ts_verify_report *r, char **names)
{
    if (r->verdict == TS_VERDICT_INTACT) {
        printf("intact: %" PRIu64 " entries in %" PRIu64 " blocks, %" PRIu64
               " signed checkpoints (key %s)\n",
               r->entries, r->blocks, r->checkpoints, r->key_id);
        if (!r->anchored)
            printf("unanchored: no kept checkpoint given (--checkpoint FILE); "
                   "the store agrees with itself\n");
    } else {
        printf("%s: %s\n",
               r->verdict == TS_VERDICT_TAMPERED ? "TAMPERED"
               : r->verdict == TS_VERDICT_FORKED ? "FORKED"
                                                 : "ROLLED BACK",
               r->problem);
        if (r->first_bad_block >= 0)
            printf("first bad block: %" PRId64 "\n", r->first_bad_block);
        if (r->first_bad_entry >= 0)
            printf("first bad entry: %" PRId64 "\n", r->first_bad_entry);
        if (r->checkpoint >= 0)
            printf("checkpoint: the one of tree size %" PRId64 "\n",
                   r->checkpoint);
    }
    for (size_t i = 0; i < r->n_kept; i++)
        printf("kept checkpoint '%s' (entries 0..%" PRIu64 "): %s\n", names[i],
               r->kept[i].tree_size ? r->kept[i].tree_size - 1 : 0,
               kept_status(r, i));
}

int cmd_verify(const ts_cli *cli, int argc, char **argv)
{
    static const struct option options[] = {
        {"checkpoint", required_argument, NULL, 'c'},
        {"vkey", required_argument, NULL, 'k'},
        {"json", no_argument, NULL, 'j'},
        {"against", required_argument, NULL, 'a'},
        {"help", no_argument, NULL, 'h'},
        {NULL, 0, NULL, 0}};
    char *names[TS_VERIFY_MAX_KEPT], *notes[TS_VERIFY_MAX_KEPT];
    const char *against[TS_VERIFY_MAX_KEPT];
    size_t n_against = 0;
    const char *vkey_path = NULL;
    char *vkey = NULL, key_problem[TS_ERROR_MSG_SIZE];
    ts_verify_options opts;
    ts_verify_report r;
    ts_store *store = NULL;
    size_t n = 0, len;
    ts_error err;
    int c, json = 0, status = TS_EXIT_USAGE;

    while ((c = getopt_long(argc, argv, "h", options, NULL)) != -1) {
        switch (c) {
        case 'c':
            if (n == TS_VERIFY_MAX_KEPT)
                return cli_usage_error(usage, "at most %d --checkpoint files",
                                       TS_VERIFY_MAX_KEPT);
            names[n++] = optarg;
            break;
        case 'k':
            vkey_path = optarg;
            break;
        case 'j':
            json = 1;
            break;
        case 'a':
            if (n_against == TS_VERIFY_MAX_KEPT)
                return cli_usage_error(usage, "at most %d --against files",
                                       TS_VERIFY_MAX_KEPT);
            against[n_against++] = optarg;
            break;
        case 'h':
            fputs(usage, stdout);
            return TS_EXIT_OK;
        default:
            return cli_usage_error(usage, "verify: bad option");
        }
    }
    if (optind != argc)
        return cli_usage_error(usage, "verify takes no arguments");
    memset(notes, 0, sizeof(notes));
    for (size_t i = 0; i < n; i++)
        if ((notes[i] = cli_read_file(names[i], &len)) == NULL)
            goto cleanup;
    if (vkey_path != NULL) {
        if ((vkey = cli_read_vkey(vkey_path)) == NULL)
            goto cleanup;
    }
    store =
        open_for_verify(cli, vkey != NULL, key_problem, sizeof(key_problem));
    if (store == NULL)
        goto cleanup;
    if (key_problem[0] != '\0') {
        memset(&r, 0, sizeof(r));
        r.verdict = TS_VERDICT_TAMPERED;
        r.first_bad_block = r.first_bad_entry = -1;
        snprintf(r.problem, sizeof(r.problem), "%s", key_problem);
        snprintf(r.key_id, sizeof(r.key_id), "%s", "");
        if (json)
            print_json(&r, names, NULL);
        else
            print_text(&r, names);
        status = TS_EXIT_NEGATIVE;
        goto cleanup;
    }
    opts.checkpoints = (const char *const *)notes;
    opts.checkpoint_names = (const char *const *)names;
    opts.n_checkpoints = n;
    opts.vkey = vkey;
    ts_error_clear(&err);
    if (ts_store_verify(store, &opts, &r, &err) != 0) {
        cli_error("%s", err.msg);
        goto cleanup;
    }
    if (json) {
        print_json(&r, names, store);
    } else {
        print_text(&r, names);
        print_completeness_text(store);
    }
    status = r.verdict == TS_VERDICT_INTACT ? TS_EXIT_OK : TS_EXIT_NEGATIVE;
    /* what was sealed is worth comparing only once the chain holds */
    for (size_t i = 0; status == TS_EXIT_OK && i < n_against; i++)
        status = cli_verify_against(cli, against[i], json);
cleanup:
    ts_store_free(store);
    for (size_t i = 0; i < n; i++)
        free(notes[i]);
    free(vkey);
    return status;
}
