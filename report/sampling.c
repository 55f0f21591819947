/* Deterministic samples: the size from controls.yaml's table, the seed from
 * the period, the control and its population's hash, and each row's rank
 * from the seed — so an auditor re-derives the selection with sha256 alone
 * (schemas/controls.schema.md shows how). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "report/report_internal.h"

int64_t ts_sample_size(const ts_controls *controls, const char *frequency,
                       uint64_t population)
{
    for (size_t i = 0; i < controls->n_sampling; i++) {
        const ts_sampling_rule *r = &controls->sampling[i];
        if (strcmp(r->frequency, frequency) == 0 &&
            (r->up_to < 0 || population <= (uint64_t)r->up_to))
            return r->size;
    }
    return 0;
}

void ts_sample_seed(const char *period, const char *control_id,
                    const char *population_sha256,
                    char seed_hex[2 * TS_SHA256_SIZE + 1])
{
    uint8_t digest[TS_SHA256_SIZE];
    EVP_MD_CTX *md = EVP_MD_CTX_new();
    const char *parts[] = {"trailseal-sample-v1", period, control_id,
                           population_sha256};
    int ok = md != NULL && EVP_DigestInit_ex(md, EVP_sha256(), NULL) == 1;

    for (size_t i = 0; ok && i < sizeof(parts) / sizeof(parts[0]); i++)
        ok = EVP_DigestUpdate(md, parts[i], strlen(parts[i])) == 1 &&
             EVP_DigestUpdate(md, "\n", 1) == 1;
    ok = ok && EVP_DigestFinal_ex(md, digest, NULL) == 1;
    EVP_MD_CTX_free(md);
    if (!ok)
        memset(digest, 0, sizeof(digest)); /* only on allocation failure */
    ts_hex_encode(digest, sizeof(digest), seed_hex);
}

void ts_sample_rank(const uint8_t seed[TS_SHA256_SIZE], uint64_t row,
                    uint8_t rank[TS_SHA256_SIZE])
{
    uint8_t msg[TS_SHA256_SIZE + 8];

    memcpy(msg, seed, TS_SHA256_SIZE);
    for (int i = 0; i < 8; i++)
        msg[TS_SHA256_SIZE + i] = (uint8_t)(row >> (56 - 8 * i));
    if (ts_sha256(msg, sizeof(msg), rank) != 0)
        memset(rank, 0xff, TS_SHA256_SIZE);
}

static int rank_less(const uint8_t *a, const uint8_t *b)
{
    return memcmp(a, b, TS_SHA256_SIZE) < 0;
}

static int by_number(const void *a, const void *b)
{
    uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;
    return x < y ? -1 : x > y;
}

int ts_sample_rows(const uint8_t seed[TS_SHA256_SIZE], uint64_t population,
                   size_t size, uint64_t *rows, size_t *out_n)
{
    uint8_t(*ranks)[TS_SHA256_SIZE];
    size_t n = 0;

    *out_n = 0;
    if (size == 0)
        return 0;
    ranks = calloc(size, sizeof(*ranks));
    if (ranks == NULL)
        return -1;
    /* insertion into the `size` lowest ranks seen so far, kept sorted */
    for (uint64_t row = 1; row <= population; row++) {
        uint8_t rank[TS_SHA256_SIZE];
        size_t at;
        ts_sample_rank(seed, row, rank);
        if (n == size && !rank_less(rank, ranks[n - 1]))
            continue;
        if (n == size) /* drop the highest */
            n--;
        for (at = n; at > 0 && rank_less(rank, ranks[at - 1]); at--) {
            memcpy(ranks[at], ranks[at - 1], TS_SHA256_SIZE);
            rows[at] = rows[at - 1];
        }
        memcpy(ranks[at], rank, TS_SHA256_SIZE);
        rows[at] = row;
        n++;
    }
    free(ranks);
    qsort(rows, n, sizeof(*rows), by_number);
    *out_n = n;
    return 0;
}
