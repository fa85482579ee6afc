/*
 * test_arena — the per-unit-of-work allocator: alignment of every
 * allocation, allocations larger than a block, zeroed memory, cleanups run
 * newest first (once) on reset and on free, and reset reusing the first
 * block instead of growing.
 */
#include "base/arena.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "base/banned.h"

static void
test_alignment(void **state)
{
    struct arena *a = arena_new();

    (void)state;
    for (size_t n = 0; n < 200; n++) {
        void *p = arena_alloc(a, n);

        assert_non_null(p);
        assert_int_equal((uintptr_t)p % _Alignof(max_align_t), 0);
    }
    /* odd sizes interleaved with a double-sized store must not misalign */
    for (int i = 0; i < 1000; i++) {
        char *s = arena_alloc(a, 3);
        long double *d = arena_alloc(a, sizeof(*d));

        s[0] = 'x';
        *d = 1.5L;
        assert_int_equal((uintptr_t)d % _Alignof(long double), 0);
    }
    arena_free(a);
}

static void
test_zeroed_and_distinct(void **state)
{
    struct arena *a = arena_new();
    unsigned char *p, *q;

    (void)state;
    p = arena_alloc(a, 100);
    for (int i = 0; i < 100; i++)
        assert_int_equal(p[i], 0);
    memset(p, 0xAB, 100);
    q = arena_alloc(a, 100);
    assert_true(q >= p + 100 || q + 100 <= p);
    for (int i = 0; i < 100; i++)
        assert_int_equal(q[i], 0);
    /* p is untouched by the second allocation */
    for (int i = 0; i < 100; i++)
        assert_int_equal(p[i], 0xAB);
    arena_free(a);
}

static void
test_large(void **state)
{
    struct arena *a = arena_new();
    size_t big = 1024 * 1024;
    unsigned char *p, *small, *p2;

    (void)state;
    small = arena_alloc(a, 16);
    memset(small, 7, 16);
    p = arena_alloc(a, big);
    for (size_t i = 0; i < big; i += 4096)
        assert_int_equal(p[i], 0);
    p[0] = 1;
    p[big - 1] = 2; /* ASan catches an undersized block */
    p2 = arena_alloc(a, 3 * big);
    p2[3 * big - 1] = 3;
    /* allocations keep working after a large one */
    for (int i = 0; i < 5000; i++) {
        char *s = arena_alloc(a, 40);

        s[39] = 'z';
    }
    assert_int_equal(p[0], 1);
    assert_int_equal(p[big - 1], 2);
    assert_int_equal(small[15], 7);
    arena_reset(a);
    /* after reset a large block is gone but big allocations still work */
    p = arena_alloc(a, big);
    p[big - 1] = 9;
    arena_free(a);
}

static int order[8];
static int norder;

static void
record(void *p)
{
    order[norder++] = *(int *)p;
}

static void
test_cleanups_newest_first(void **state)
{
    struct arena *a = arena_new();
    static int ids[] = {1, 2, 3};

    (void)state;
    norder = 0;
    arena_on_reset(a, record, &ids[0]);
    /* force a block change between registrations */
    arena_alloc(a, 64 * 1024);
    arena_on_reset(a, record, &ids[1]);
    arena_on_reset(a, record, &ids[2]);
    assert_int_equal(norder, 0);
    arena_reset(a);
    assert_int_equal(norder, 3);
    assert_int_equal(order[0], 3);
    assert_int_equal(order[1], 2);
    assert_int_equal(order[2], 1);
    /* they run once: a second reset runs nothing */
    arena_reset(a);
    assert_int_equal(norder, 3);
    /* arena_free runs pending cleanups too */
    arena_on_reset(a, record, &ids[0]);
    arena_free(a);
    assert_int_equal(norder, 4);
    assert_int_equal(order[3], 1);
}

static void
test_reset_reuses(void **state)
{
    struct arena *a = arena_new();
    char *first, *again;

    (void)state;
    first = arena_alloc(a, 32);
    for (int i = 0; i < 100; i++)
        arena_alloc(a, 1000); /* several blocks */
    arena_reset(a);
    again = arena_alloc(a, 32);
    assert_ptr_equal(first, again);
    /* many cycles do not grow: the same pointer every time */
    for (int round = 0; round < 50; round++) {
        for (int i = 0; i < 50; i++)
            arena_alloc(a, 1000);
        arena_reset(a);
        assert_ptr_equal(arena_alloc(a, 32), first);
    }
    arena_free(a);
}

static void
test_strings(void **state)
{
    struct arena *a = arena_new();
    char *s;

    (void)state;
    assert_null(arena_strdup(a, NULL));
    assert_string_equal(arena_strdup(a, "hello"), "hello");
    s = arena_strndup(a, "hello world", 5);
    assert_string_equal(s, "hello");
    assert_string_equal(arena_strndup(a, "", 0), "");
    assert_string_equal(arena_printf(a, "%d-%s", 42, "x"), "42-x");
    s = arena_printf(a, "%0*d", 20000, 7); /* longer than a block */
    assert_int_equal(strlen(s), 20000);
    assert_int_equal(s[19999], '7');
    arena_free(a);
    arena_free(NULL); /* harmless */
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_alignment),
        cmocka_unit_test(test_zeroed_and_distinct),
        cmocka_unit_test(test_large),
        cmocka_unit_test(test_cleanups_newest_first),
        cmocka_unit_test(test_reset_reuses),
        cmocka_unit_test(test_strings),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
