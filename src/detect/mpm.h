/* mpm.h -- multi-pattern prefilter: a Hyperscan literal database per rule group.
 *
 * A builder collects (pattern, nocase, rule) triples; identical patterns are stored
 * once with the list of their rules. mpm_compile() turns it into a block-mode
 * database (HS_FLAG_SINGLEMATCH: each pattern reports at most once per scan).
 * Scanning calls back once per rule whose pattern occurs in the data. */
#ifndef RIBAT_MPM_H
#define RIBAT_MPM_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

typedef struct mpm_builder mpm_builder;
typedef struct mpm_db mpm_db;
struct hs_scratch;

mpm_builder *mpm_builder_new(void);
void mpm_builder_free(mpm_builder *b);
/* 0 or -1 (out of memory) */
int mpm_builder_add(mpm_builder *b, const uint8_t *pat, uint32_t len, bool nocase, uint32_t rule);
uint32_t mpm_builder_patterns(const mpm_builder *b);

/* Compile (the builder can be freed afterwards). NULL with err on failure; an empty
 * builder gives NULL with err[0] == 0. */
mpm_db *mpm_compile(const mpm_builder *b, char *err, size_t errlen);
void mpm_db_free(mpm_db *d);
size_t mpm_db_size(const mpm_db *d);
/* grow *scratch so it can scan d (creates it when NULL); 0 or -1 */
int mpm_alloc_scratch(const mpm_db *d, struct hs_scratch **scratch);

typedef void (*mpm_rule_cb)(void *ctx, uint32_t rule);
/* scan data, calling cb for every rule of every pattern found; 0 or -1 (scan error) */
int mpm_scan(const mpm_db *d, struct hs_scratch *scratch, const uint8_t *data, uint32_t len, mpm_rule_cb cb,
             void *ctx);

#endif
