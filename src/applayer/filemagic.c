/* filemagic.c -- file type descriptions by libmagic (see filemagic.h). */
#include "applayer/filemagic.h"

#include <magic.h>
#include <stdio.h>
#include <stdlib.h>

struct rb_filemagic {
    magic_t m;
};

rb_filemagic *rb_filemagic_new(char *err, size_t errlen)
{
    rb_filemagic *fm = calloc(1, sizeof *fm);
    if (!fm) {
        snprintf(err, errlen, "out of memory");
        return NULL;
    }
    /* no decompression (MAGIC_COMPRESS off) and no following of anything:
     * a description of the bytes as given */
    fm->m = magic_open(MAGIC_NONE | MAGIC_ERROR);
    if (!fm->m || magic_load(fm->m, NULL) != 0) {
        snprintf(err, errlen, "libmagic: %s", fm->m && magic_error(fm->m) ? magic_error(fm->m) : "cannot open");
        if (fm->m)
            magic_close(fm->m);
        free(fm);
        return NULL;
    }
    return fm;
}

const char *rb_filemagic_describe(rb_filemagic *fm, const uint8_t *d, size_t n)
{
    if (!fm || !d || !n)
        return NULL;
    return magic_buffer(fm->m, d, n);
}

void rb_filemagic_free(rb_filemagic *fm)
{
    if (!fm)
        return;
    magic_close(fm->m);
    free(fm);
}
