/* test_json.h -- ASSERT_JSON(got, want): compare an EVE object written by a
 * test (got: a malloc'd string, freed here) with the expected JSON text,
 * printing both when they differ. Include after cmocka.h. */
#ifndef RIBAT_TEST_JSON_H
#define RIBAT_TEST_JSON_H

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define ASSERT_JSON(got, want)                                                                     \
    do {                                                                                           \
        char *g_ = (got);                                                                          \
        if (strcmp(g_, (want)) != 0)                                                               \
            fprintf(stderr, "got:  %s\nwant: %s\n", g_, (want));                                  \
        assert_string_equal(g_, (want));                                                           \
        free(g_);                                                                                  \
    } while (0)

#endif
