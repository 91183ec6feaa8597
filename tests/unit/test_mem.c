/* Unit tests for cache-line allocation (src/common/mem.h): alignment, zeroed
 * whole lines, overflow refused; and the per-worker contexts that use it (flow
 * table, stream, defrag) start on a cache line, so that two workers' state
 * never shares one (docs/architecture.md, Threads). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "common/mem.h"
#include "defrag/defrag.h"
#include "flow/flow.h"
#include "stream/stream.h"

#include <string.h>

static bool on_line(const void *p)
{
    return ((uintptr_t)p % RB_CACHE_LINE) == 0;
}

static void aligned_zeroed_whole_lines(void **state)
{
    (void)state;
    /* sizes that are and are not multiples of a line, one object and several */
    const size_t sizes[] = { 1, 63, 64, 65, 100, 4096 + 8 };
    for (size_t k = 0; k < sizeof sizes / sizeof sizes[0]; k++) {
        for (size_t n = 1; n <= 3; n++) {
            unsigned char *p = rb_calloc_lines(n, sizes[k]);
            assert_non_null(p);
            assert_true(on_line(p));
            size_t total = n * sizes[k], whole = (total + RB_CACHE_LINE - 1) / RB_CACHE_LINE * RB_CACHE_LINE;
            /* zeroed up to the end of the last line, which belongs to the caller
             * (ASan would report a write past the block) */
            for (size_t i = 0; i < whole; i++)
                assert_int_equal(p[i], 0);
            memset(p, 0xa5, whole);
            free(p);
        }
    }
}

static void zero_size_still_a_line(void **state)
{
    (void)state;
    void *p = rb_calloc_lines(0, 16);
    assert_non_null(p);
    assert_true(on_line(p));
    free(p);
    p = rb_calloc_lines(4, 0);
    assert_non_null(p);
    free(p);
}

static void overflow_refused(void **state)
{
    (void)state;
    assert_null(rb_calloc_lines(SIZE_MAX / 2, 3));
    assert_null(rb_calloc_lines(2, SIZE_MAX / 2 + 1));
    assert_null(rb_calloc_lines(1, SIZE_MAX - 10)); /* rounding up to a line would wrap */
}

/* an array of line-aligned structures: each element starts on its own line */
typedef struct per_worker {
    _Alignas(RB_CACHE_LINE) uint64_t counter;
    char name[70];
} per_worker;

static void array_elements_do_not_share_lines(void **state)
{
    (void)state;
    per_worker *w = rb_calloc_lines(5, sizeof *w);
    assert_non_null(w);
    assert_int_equal(sizeof *w % RB_CACHE_LINE, 0);
    for (int i = 0; i < 5; i++)
        assert_true(on_line(&w[i]));
    free(w);
}

static void noop_end(void *ctx, rb_flow *f, enum rb_flow_end reason)
{
    (void)ctx;
    (void)f;
    (void)reason;
}

static void worker_contexts_start_on_a_line(void **state)
{
    (void)state;
    rb_flow_config fc;
    flow_config_default(&fc);
    /* several in a row, as engine_run sets up one per worker */
    for (int i = 0; i < 3; i++) {
        rb_flow_table *t = flow_table_new(&fc, noop_end, NULL, (uint32_t)i);
        stream_ctx *s = stream_ctx_new(NULL);
        defrag_table *d = defrag_new(NULL);
        assert_non_null(t);
        assert_non_null(s);
        assert_non_null(d);
        assert_true(on_line(t));
        assert_true(on_line(s));
        assert_true(on_line(d));
        flow_table_free(t);
        stream_ctx_free(s);
        defrag_free(d);
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(aligned_zeroed_whole_lines),
        cmocka_unit_test(zero_size_still_a_line),
        cmocka_unit_test(overflow_refused),
        cmocka_unit_test(array_elements_do_not_share_lines),
        cmocka_unit_test(worker_contexts_start_on_a_line),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
