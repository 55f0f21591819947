/* The bounded string cache (common/strcache.c): values kept per key, and
 * everything forgotten rather than growing past its bounds. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include <cmocka.h>

#include "common/common.h"

/* Looks key up: whether it was created, and its value then. */
static int get(ts_strcache *c, const char *key, int64_t **value)
{
    ts_error err;
    int created = -1;

    ts_error_clear(&err);
    assert_int_equal(ts_strcache_get(c, key, value, &created, &err), 0);
    assert_true(created == 0 || created == 1);
    return created;
}

static void test_values_kept(void **state)
{
    ts_strcache c;
    int64_t *v;
    char key[32];

    (void)state;
    ts_strcache_init(&c, 4096, 1 << 20);
    for (int i = 0; i < 3000; i++) {
        snprintf(key, sizeof(key), "key %d", i);
        assert_int_equal(get(&c, key, &v), 1);
        assert_int_equal(*v, 0);
        *v = i + 1;
    }
    for (int i = 0; i < 3000; i++) {
        snprintf(key, sizeof(key), "key %d", i);
        assert_int_equal(get(&c, key, &v), 0);
        assert_int_equal(*v, i + 1);
    }
    ts_strcache_release(&c);
}

/* At max_items keys, the next new key starts over; the same with the
 * bytes of the keys (NULs counted). */
static void test_bounds(void **state)
{
    ts_strcache c;
    int64_t *v;

    (void)state;
    ts_strcache_init(&c, 2, 1 << 20);
    assert_int_equal(get(&c, "a", &v), 1);
    *v = 1;
    assert_int_equal(get(&c, "b", &v), 1);
    *v = 2;
    assert_int_equal(get(&c, "a", &v), 0); /* full, but nothing new */
    assert_int_equal(*v, 1);
    assert_int_equal(get(&c, "c", &v), 1); /* forgets a and b */
    assert_int_equal(get(&c, "a", &v), 1);
    assert_int_equal(*v, 0);
    ts_strcache_release(&c);

    ts_strcache_init(&c, 100, 8); /* "abc" and "def" are 4 bytes each */
    assert_int_equal(get(&c, "abc", &v), 1);
    assert_int_equal(get(&c, "def", &v), 1);
    assert_int_equal(get(&c, "abc", &v), 0);
    assert_int_equal(get(&c, "g", &v), 1); /* 10 bytes: forgets both */
    assert_int_equal(get(&c, "abc", &v), 1);
    ts_strcache_clear(&c);
    assert_int_equal(get(&c, "g", &v), 1);
    ts_strcache_release(&c);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_values_kept),
        cmocka_unit_test(test_bounds),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
