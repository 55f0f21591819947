/* Files of an evidence pack: paths, reading, writing, hashing and a
 * sorted listing that never follows a link out of the pack. */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <openssl/evp.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "report/pack_internal.h"

#define TS_PACK_CHUNK ((size_t)1 << 16)

int ts_pack_path(char *buf, size_t size, const char *dir, const char *rel,
                 ts_error *err)
{
    int n = snprintf(buf, size, "%s/%s", dir, rel);

    if (n < 0 || (size_t)n >= size)
        return ts_error_set(err, TS_ELIMIT, "'%s/%s': path too long", dir, rel);
    return 0;
}

int ts_pack_mkdir(const char *path, ts_error *err)
{
    struct stat st;

    if (mkdir(path, 0755) == 0)
        return 0;
    if (errno == EEXIST && lstat(path, &st) == 0 && S_ISDIR(st.st_mode))
        return 0;
    return ts_error_set(err, TS_EIO, "'%s': cannot create directory: %s", path,
                        strerror(errno));
}

int ts_pack_open_regular(const char *path, struct stat *st, ts_error *err)
{
    int fd = open(path, O_RDONLY | O_NOFOLLOW | O_CLOEXEC);

    if (fd < 0)
        return errno == ELOOP
                   ? ts_error_set(err, TS_EINVAL, "'%s': is a symlink", path)
                   : ts_error_set(err, TS_EIO, "'%s': %s", path,
                                  strerror(errno));
    if (fstat(fd, st) != 0 || !S_ISREG(st->st_mode)) {
        close(fd);
        return ts_error_set(err, TS_EINVAL, "'%s': not a regular file", path);
    }
    return fd;
}

int ts_pack_read_file(const char *path, size_t cap, char **out, size_t *out_len,
                      ts_error *err)
{
    struct stat st;
    size_t got = 0, size;
    char *data = NULL;
    int fd, rc = 0;

    *out = NULL;
    *out_len = 0;
    fd = ts_pack_open_regular(path, &st, err);
    if (fd < 0)
        return fd;
    if ((uint64_t)st.st_size > cap) {
        rc = ts_error_set(err, TS_ELIMIT, "'%s': larger than %zu bytes", path,
                          cap);
        goto done;
    }
    size = (size_t)st.st_size;
    data = malloc(size + 1);
    if (data == NULL) {
        rc = ts_error_set(err, TS_ENOMEM, "out of memory");
        goto done;
    }
    while (got < size) {
        ssize_t n = read(fd, data + got, size - got);
        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0) {
            rc = ts_error_set(err, TS_EIO, "'%s': read failed: %s", path,
                              n < 0 ? strerror(errno) : "file shrank");
            goto done;
        }
        got += (size_t)n;
    }
    data[size] = '\0';
    *out = data;
    *out_len = size;
    data = NULL;
done:
    free(data);
    close(fd);
    return rc;
}

int ts_pack_write_file(const char *path, const void *data, size_t len,
                       ts_error *err)
{
    char tmp[TS_PACK_PATH_MAX];
    FILE *f;
    int n = snprintf(tmp, sizeof(tmp), "%s.tmp", path);

    if (n < 0 || (size_t)n >= sizeof(tmp))
        return ts_error_set(err, TS_ELIMIT, "'%s': path too long", path);
    f = fopen(tmp, "wb");
    if (f == NULL)
        return ts_error_set(err, TS_EIO, "'%s': cannot create: %s", tmp,
                            strerror(errno));
    if (fwrite(data, 1, len, f) != len) {
        fclose(f);
        remove(tmp);
        return ts_error_set(err, TS_EIO, "'%s': write failed", tmp);
    }
    if (fclose(f) != 0 || rename(tmp, path) != 0) {
        remove(tmp);
        return ts_error_set(err, TS_EIO, "'%s': write failed: %s", path,
                            strerror(errno));
    }
    return 0;
}

int ts_pack_create_file(const char *path, const void *data, size_t len,
                        ts_error *err)
{
    int fd =
        open(path, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0644);

    if (fd < 0)
        return ts_error_set(err, TS_EIO, "'%s': cannot create: %s", path,
                            strerror(errno));
    if (ts_write_all(fd, data, len) != 0) {
        int e = errno;
        close(fd);
        unlink(path);
        return ts_error_set(err, TS_EIO, "'%s': cannot write: %s", path,
                            strerror(e));
    }
    if (close(fd) != 0) {
        unlink(path);
        return ts_error_set(err, TS_EIO, "'%s': cannot write: %s", path,
                            strerror(errno));
    }
    return 0;
}

/* Reads a regular file (not a link) of at most TS_PACK_MAX_FILE bytes in
 * pieces, giving each to fn; stops at fn's first error. */
static int each_piece(const char *path,
                      int (*fn)(void *ctx, const unsigned char *piece,
                                size_t len, ts_error *err),
                      void *ctx, ts_error *err)
{
    unsigned char *chunk;
    struct stat st;
    uint64_t total = 0;
    int fd, rc = 0;

    fd = ts_pack_open_regular(path, &st, err);
    if (fd < 0)
        return fd;
    chunk = malloc(TS_PACK_CHUNK);
    if (chunk == NULL) {
        close(fd);
        return ts_error_set(err, TS_ENOMEM, "out of memory");
    }
    while (rc == 0) {
        ssize_t n = read(fd, chunk, TS_PACK_CHUNK);
        if (n < 0 && errno == EINTR)
            continue;
        if (n < 0)
            rc = ts_error_set(err, TS_EIO, "'%s': read failed: %s", path,
                              strerror(errno));
        if (n <= 0)
            break;
        total += (uint64_t)n;
        rc = total > TS_PACK_MAX_FILE
                 ? ts_error_set(err, TS_ELIMIT, "'%s': larger than %zu bytes",
                                path, TS_PACK_MAX_FILE)
                 : fn(ctx, chunk, (size_t)n, err);
    }
    free(chunk);
    close(fd);
    return rc;
}

typedef struct hashing {
    EVP_MD_CTX *md;
    uint64_t size;
} hashing;

static int hash_piece(void *ctx, const unsigned char *piece, size_t len,
                      ts_error *err)
{
    hashing *h = ctx;

    h->size += len;
    return EVP_DigestUpdate(h->md, piece, len) == 1
               ? 0
               : ts_error_set(err, TS_ECRYPTO, "SHA-256 failed");
}

int ts_pack_hash_file(const char *path, uint8_t out[TS_SHA256_SIZE],
                      uint64_t *out_size, ts_error *err)
{
    hashing h = {EVP_MD_CTX_new(), 0};
    int rc;

    if (h.md == NULL || EVP_DigestInit_ex(h.md, EVP_sha256(), NULL) != 1)
        rc = ts_error_set(err, TS_ECRYPTO, "SHA-256 unavailable");
    else
        rc = each_piece(path, hash_piece, &h, err);
    if (rc == 0 && EVP_DigestFinal_ex(h.md, out, NULL) != 1)
        rc = ts_error_set(err, TS_ECRYPTO, "SHA-256 failed");
    *out_size = h.size;
    EVP_MD_CTX_free(h.md);
    return rc;
}

typedef struct hash_work {
    const char *dir;
    const char *const *rels;
    size_t n;
    ts_pack_digest *out;
    size_t next; /* the next file to take, shared by the threads */
} hash_work;

static void *hash_worker(void *arg)
{
    hash_work *w = arg;
    char path[TS_PACK_PATH_MAX];
    ts_error e;

    for (;;) {
        size_t i = __atomic_fetch_add(&w->next, 1, __ATOMIC_RELAXED);
        ts_pack_digest *d;
        if (i >= w->n)
            break;
        d = &w->out[i];
        d->size = 0;
        d->rc = ts_pack_path(path, sizeof(path), w->dir, w->rels[i], &e);
        if (d->rc == 0)
            d->rc = ts_pack_hash_file(path, d->sha256, &d->size, &e);
    }
    return NULL;
}

int ts_pack_hash_failure(const char *dir, const char *rel, ts_error *err)
{
    char path[TS_PACK_PATH_MAX];
    uint8_t digest[TS_SHA256_SIZE];
    uint64_t size = 0;
    int rc = ts_pack_path(path, sizeof(path), dir, rel, err);

    if (rc == 0)
        rc = ts_pack_hash_file(path, digest, &size, err);
    if (rc == 0)
        rc = ts_error_set(err, TS_EIO, "'%s': changed while it was read", rel);
    return rc;
}

/* Below this many files a second thread costs more than it saves. */
#define HASH_FILES_PER_THREAD_MIN 64

void ts_pack_hash_files(const char *dir, const char *const *rels, size_t n,
                        ts_pack_digest *out)
{
    hash_work w = {dir, rels, n, out, 0};
    pthread_t thread;
    int threaded = n >= 2 * HASH_FILES_PER_THREAD_MIN &&
                   pthread_create(&thread, NULL, hash_worker, &w) == 0;

    hash_worker(&w);
    if (threaded)
        pthread_join(thread, NULL);
}

typedef struct counting {
    uint64_t records;
    int quoted;      /* inside a quoted field */
    int open_record; /* bytes since the last record's end */
} counting;

static int count_piece(void *ctx, const unsigned char *piece, size_t len,
                       ts_error *err)
{
    counting *c = ctx;

    (void)err;
    /* a doubled quote inside a quoted field toggles twice */
    for (size_t i = 0; i < len; i++) {
        if (piece[i] == '"')
            c->quoted = !c->quoted;
        if (piece[i] == '\n' && !c->quoted) {
            c->records++;
            c->open_record = 0;
        } else {
            c->open_record = 1;
        }
    }
    return 0;
}

int ts_pack_csv_records(const char *path, uint64_t *out, ts_error *err)
{
    counting c = {0, 0, 0};
    int rc = each_piece(path, count_piece, &c, err);

    if (rc == 0 && c.quoted)
        rc = ts_error_set(err, TS_EINVAL, "'%s': a quoted field never ends",
                          path);
    *out = c.records + (uint64_t)c.open_record;
    return rc;
}

int ts_pack_finding(ts_pack_verdict *v, const char *file, const char *fmt, ...)
{
    va_list ap;

    v->ok = 0;
    snprintf(v->file, sizeof(v->file), "%s", file);
    va_start(ap, fmt);
    if (vsnprintf(v->problem, sizeof(v->problem), fmt, ap) < 0)
        v->problem[0] = '\0';
    va_end(ap);
    return 1;
}

static int name_valid(const char *name)
{
    if (name[0] == '\0')
        return 0;
    for (const unsigned char *p = (const unsigned char *)name; *p; p++)
        if (*p < 0x20 || *p == 0x7f || *p == '\\')
            return 0;
    return 1;
}

int ts_pack_rel_valid(const char *rel)
{
    const char *p = rel;

    if (rel[0] == '/' || !name_valid(rel))
        return 0;
    while (*p != '\0') {
        size_t len = strcspn(p, "/");
        if (len == 0 || (len == 1 && p[0] == '.') ||
            (len == 2 && p[0] == '.' && p[1] == '.'))
            return 0;
        p += len;
        if (*p == '/')
            p++;
        if (*p == '\0' && p[-1] == '/')
            return 0;
    }
    return 1;
}

typedef struct listing {
    char **items;
    size_t n, size;
    char *bad;
    size_t bad_size;
} listing;

static int list_add(listing *l, const char *rel, ts_error *err)
{
    if (l->n == TS_PACK_MAX_FILES)
        return ts_error_set(err, TS_ELIMIT, "more than %d files",
                            TS_PACK_MAX_FILES);
    if (l->n == l->size) {
        size_t size = l->size ? l->size * 2 : 64;
        char **items = realloc(l->items, size * sizeof(*items));
        if (items == NULL)
            return ts_error_set(err, TS_ENOMEM, "out of memory");
        l->items = items;
        l->size = size;
    }
    l->items[l->n] = strdup(rel);
    if (l->items[l->n] == NULL)
        return ts_error_set(err, TS_ENOMEM, "out of memory");
    l->n++;
    return 0;
}

static int refuse(listing *l, const char *rel, const char *why, ts_error *err)
{
    if (l->bad != NULL && l->bad_size > 0)
        snprintf(l->bad, l->bad_size, "%s", rel);
    return ts_error_set(err, TS_EINVAL, "'%s': %s", rel, why);
}

/* Walks root/rel (rel "" for the top), depth first. */
static int walk(listing *l, const char *root, const char *rel, int depth,
                ts_error *err)
{
    char path[TS_PACK_PATH_MAX], child[TS_PACK_PATH_MAX];
    struct dirent *de;
    DIR *d;
    int rc = 0;

    if (depth > 32)
        return refuse(l, rel, "directories nested too deep", err);
    if (rel[0] == '\0')
        snprintf(path, sizeof(path), "%s", root);
    else if ((rc = ts_pack_path(path, sizeof(path), root, rel, err)) != 0)
        return rc;
    d = opendir(path);
    if (d == NULL)
        return ts_error_set(err, TS_EIO, "'%s': %s", path, strerror(errno));
    while (rc == 0 && (de = readdir(d)) != NULL) {
        struct stat st;
        int n;

        if (strcmp(de->d_name, ".") == 0 || strcmp(de->d_name, "..") == 0)
            continue;
        n = rel[0] ? snprintf(child, sizeof(child), "%s/%s", rel, de->d_name)
                   : snprintf(child, sizeof(child), "%s", de->d_name);
        if (n < 0 || (size_t)n >= sizeof(child)) {
            rc = refuse(l, de->d_name, "path too long", err);
            break;
        }
        if (!name_valid(de->d_name)) {
            rc = refuse(l, child, "name has control characters or '\\'", err);
            break;
        }
        rc = ts_pack_path(path, sizeof(path), root, child, err);
        if (rc != 0)
            break;
        if (lstat(path, &st) != 0) {
            rc = ts_error_set(err, TS_EIO, "'%s': %s", path, strerror(errno));
            break;
        }
        if (S_ISLNK(st.st_mode))
            rc = refuse(l, child, "is a symlink (not allowed in a pack)", err);
        else if (S_ISDIR(st.st_mode))
            rc = walk(l, root, child, depth + 1, err);
        else if (S_ISREG(st.st_mode))
            rc = list_add(l, child, err);
        else
            rc = refuse(l, child, "not a regular file", err);
    }
    closedir(d);
    return rc;
}

static int compare_paths(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

int ts_pack_list(const char *dir, char ***out, size_t *out_n, char *bad,
                 size_t bad_size, ts_error *err)
{
    listing l = {NULL, 0, 0, bad, bad_size};
    int rc;

    *out = NULL;
    *out_n = 0;
    if (bad != NULL && bad_size > 0)
        bad[0] = '\0';
    rc = walk(&l, dir, "", 0, err);
    if (rc != 0) {
        ts_pack_list_free(l.items, l.n);
        return rc;
    }
    if (l.n > 1)
        qsort(l.items, l.n, sizeof(*l.items), compare_paths);
    *out = l.items;
    *out_n = l.n;
    return 0;
}

void ts_pack_list_free(char **list, size_t n)
{
    if (list == NULL)
        return;
    for (size_t i = 0; i < n; i++)
        free(list[i]);
    free(list);
}
