/* Replays fuzz inputs without libFuzzer: every regular file in the
 * directories (or the files) named on the command line goes once through
 * LLVMFuzzerTestOneInput. What zstd and libgit2 do so that their corpora
 * are ordinary tests under any compiler. */
#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "tests/fuzz/fuzz.h"

/* Inputs larger than this are a mistake in the corpus, not an input. */
#define TS_REPLAY_MAX_INPUT ((size_t)64 << 20)

static int run_file(const char *path)
{
    FILE *f = fopen(path, "rb");
    uint8_t *data = NULL;
    size_t size = 0, cap = 0;
    int rc = 0;

    if (f == NULL) {
        fprintf(stderr, "%s: cannot open\n", path);
        return -1;
    }
    for (;;) {
        size_t n;
        if (size == cap) {
            uint8_t *more;
            cap = cap == 0 ? 65536 : cap * 2;
            if (cap > TS_REPLAY_MAX_INPUT ||
                (more = realloc(data, cap)) == NULL) {
                fprintf(stderr, "%s: too large\n", path);
                rc = -1;
                break;
            }
            data = more;
        }
        n = fread(data + size, 1, cap - size, f);
        size += n;
        if (n == 0)
            break;
    }
    if (rc == 0 && ferror(f)) {
        fprintf(stderr, "%s: read error\n", path);
        rc = -1;
    }
    fclose(f);
    if (rc == 0) {
        /* a copy of exactly size bytes, so that ASan sees overreads */
        uint8_t *exact = malloc(size > 0 ? size : 1);
        if (exact == NULL) {
            rc = -1;
        } else {
            if (size > 0)
                memcpy(exact, data, size);
            LLVMFuzzerTestOneInput(exact, size);
            free(exact);
        }
    }
    free(data);
    return rc;
}

static int compare_names(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

/* Runs every regular file directly in dir, in name order. */
static int run_dir(const char *dir, size_t *n_run)
{
    DIR *d = opendir(dir);
    struct dirent *de;
    char **names = NULL;
    size_t n = 0, cap = 0;
    int rc = 0;

    if (d == NULL) {
        fprintf(stderr, "%s: cannot open directory\n", dir);
        return -1;
    }
    while ((de = readdir(d)) != NULL) {
        if (de->d_name[0] == '.')
            continue;
        if (n == cap) {
            char **more;
            cap = cap == 0 ? 64 : cap * 2;
            more = realloc(names, cap * sizeof(*names));
            if (more == NULL) {
                rc = -1;
                break;
            }
            names = more;
        }
        names[n] = malloc(strlen(dir) + strlen(de->d_name) + 2);
        if (names[n] == NULL) {
            rc = -1;
            break;
        }
        sprintf(names[n], "%s/%s", dir, de->d_name);
        n++;
    }
    closedir(d);
    if (n > 0)
        qsort(names, n, sizeof(*names), compare_names);
    for (size_t i = 0; i < n; i++) {
        struct stat st;
        if (rc == 0 && stat(names[i], &st) == 0 && S_ISREG(st.st_mode)) {
            if (run_file(names[i]) != 0)
                rc = -1;
            else
                (*n_run)++;
        }
        free(names[i]);
    }
    free(names);
    return rc;
}

int main(int argc, char **argv)
{
    size_t n_run = 0;

    for (int i = 1; i < argc; i++) {
        struct stat st;
        int rc;

        if (stat(argv[i], &st) != 0) {
            fprintf(stderr, "%s: no such file or directory\n", argv[i]);
            return 2;
        }
        if (S_ISDIR(st.st_mode)) {
            rc = run_dir(argv[i], &n_run);
        } else {
            rc = run_file(argv[i]);
            n_run += rc == 0;
        }
        if (rc != 0)
            return 2;
    }
    printf("%s: %zu inputs replayed\n", argv[0], n_run);
    return 0;
}
