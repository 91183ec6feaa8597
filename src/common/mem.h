/* mem.h — cache-line-aligned allocation for state that one thread writes
 * while another thread works beside it.
 *
 * Two threads writing to different variables that share a 64-byte cache line
 * make that line travel between their cores on every write ("false
 * sharing"). Per-worker state (the worker itself, its flow table, stream and
 * app-layer contexts) is therefore allocated whole cache lines at a time:
 * nothing of another worker's can share a line with it. */
#ifndef RB_COMMON_MEM_H
#define RB_COMMON_MEM_H

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#define RB_CACHE_LINE 64

/* n zeroed objects of `size` bytes, starting on a cache line and filling whole
 * lines; NULL on overflow or when out of memory. Released with free(). */
static inline void *rb_calloc_lines(size_t n, size_t size)
{
    if (size && n > SIZE_MAX / size)
        return NULL;
    size_t total = n * size;
    if (total > SIZE_MAX - (RB_CACHE_LINE - 1))
        return NULL;
    total = (total + RB_CACHE_LINE - 1) & ~(size_t)(RB_CACHE_LINE - 1);
    if (total == 0)
        total = RB_CACHE_LINE;
    void *p = aligned_alloc(RB_CACHE_LINE, total);
    if (p)
        memset(p, 0, total);
    return p;
}

#endif
