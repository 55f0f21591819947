/* File helpers the reader tests share: read a fixture whole, write bytes to
 * a fresh temporary file. Included after cmocka.h; failures are cmocka
 * assertion failures. */
#ifndef TS_TEST_FILES_H
#define TS_TEST_FILES_H

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

/* The whole file, NUL-terminated (not counted in *len); free() it. */
static inline uint8_t *slurp(const char *path, size_t *len)
{
    FILE *f = fopen(path, "rb");
    uint8_t *data;
    long size;

    assert_non_null(f);
    assert_int_equal(fseek(f, 0, SEEK_END), 0);
    size = ftell(f);
    assert_true(size >= 0);
    rewind(f);
    data = malloc((size_t)size + 1);
    assert_non_null(data);
    assert_int_equal(fread(data, 1, (size_t)size, f), (size_t)size);
    data[size] = 0;
    fclose(f);
    *len = (size_t)size;
    return data;
}

/* A new temporary file holding data; its path, to unlink() and free(). */
static inline char *write_temp(const void *data, size_t len)
{
    char *path = strdup("/tmp/trailseal-unit.XXXXXX");
    int fd;

    assert_non_null(path);
    fd = mkstemp(path);
    assert_true(fd >= 0);
    if (len > 0)
        assert_int_equal(write(fd, data, len), (ssize_t)len);
    close(fd);
    return path;
}

#endif
