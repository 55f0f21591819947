/* The text encoders of common/encode.c: decimal against printf's, hex and
 * base64 against known encodings. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "common/common.h"

/* Every number around each power of ten, and the extremes, as printf
 * writes them; nothing written past the digits. */
static void test_decimal(void **state)
{
    char got[TS_DECIMAL_MAX + 1], want[32];

    (void)state;
    for (uint64_t p = 1;; p *= 10) {
        const uint64_t near[] = {p - 1, p, p + 1};
        for (size_t i = 0; i < sizeof(near) / sizeof(near[0]); i++) {
            size_t n;
            memset(got, '#', sizeof(got));
            n = ts_decimal_encode(near[i], got);
            snprintf(want, sizeof(want), "%llu", (unsigned long long)near[i]);
            assert_int_equal(n, strlen(want));
            assert_memory_equal(got, want, n);
            assert_int_equal(got[n], '#');
        }
        if (p > UINT64_MAX / 10)
            break;
    }
    assert_int_equal(ts_decimal_encode(UINT64_MAX, got), TS_DECIMAL_MAX);
    assert_memory_equal(got, "18446744073709551615", TS_DECIMAL_MAX);
}

static void test_hex_base64(void **state)
{
    static const uint8_t data[] = {0x00, 0x01, 0x7f, 0x80, 0xfe, 0xff};
    uint8_t back[sizeof(data)];
    char hex[2 * sizeof(data) + 1];
    char b64[16];

    (void)state;
    ts_hex_encode(data, sizeof(data), hex);
    assert_string_equal(hex, "00017f80feff");
    assert_int_equal(ts_hex_decode(hex, back, sizeof(back)), 0);
    assert_memory_equal(back, data, sizeof(data));
    assert_int_equal(ts_base64_encoded_size(sizeof(data)), 9);
    ts_base64_encode(data, sizeof(data), b64);
    assert_string_equal(b64, "AAF/gP7/");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_decimal),
        cmocka_unit_test(test_hex_base64),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
