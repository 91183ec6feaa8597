/* config.h -- Suricata-style YAML configuration tree.
 *
 * A configuration is a tree of nodes. Each node is one of
 *   - a scalar   (has a value string),
 *   - a null     (no value, no children: "key:" or "key: ~"),
 *   - a mapping  (children addressed by name),
 *   - a sequence (children named "0", "1", ... in order).
 *
 * Files are loaded with libyaml and merged into the tree: a later scalar
 * replaces an earlier one, mappings merge key by key, and sequences merge item
 * by item by index (as Suricata does). `include: file` (any mapping, value a
 * file name or a list of file names) merges the file's top-level mapping into
 * the mapping holding the key, in place; `key: !include file` makes the file's
 * top-level mapping the value of key. Relative include paths are relative to the
 * including file's folder (to the working directory for cfg_load_string()).
 * A missing include file gives one warning and is skipped. A key containing dots
 * in a YAML file ("app-layer.protocols.tls.enabled: no") is split into nested
 * mappings. Anchors and aliases are supported (an alias copies the anchored
 * node as it was when completed), and so is the YAML 1.1 merge key "<<".
 *
 * Loading is atomic: on any error the tree is left as it was.
 *
 * Limits (input is treated as hostile): file size CFG_MAX_FILE_SIZE, tree depth
 * CFG_MAX_DEPTH, total nodes CFG_MAX_NODES (aliases included), include depth
 * CFG_MAX_INCLUDE_DEPTH, include files per load CFG_MAX_INCLUDES. Exceeding one
 * is an error naming the file.
 *
 * --set assignments (cfg_set) are remembered and re-applied after every later
 * load, so they win whether given before or after the files are loaded.
 *
 * Dotted lookups: components are separated by '.'. In a sequence a component
 * is an item index ("outputs.1.eve-log") or the key of an item that is a
 * single-key mapping ("outputs.eve-log" is the value under "eve-log" of the
 * first item of the form "- eve-log: ..."). The empty path names the node
 * itself (the root for cfg_find).
 *
 * The tree is read-only after loading; concurrent readers are safe. */
#ifndef RIBAT_CONFIG_H
#define RIBAT_CONFIG_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#define CFG_MAX_FILE_SIZE     (16u * 1024u * 1024u) /* bytes per file */
#define CFG_MAX_DEPTH         64                    /* levels below the root */
#define CFG_MAX_NODES         1000000               /* live nodes per rb_config */
#define CFG_MAX_INCLUDE_DEPTH 8                     /* nested include levels */
#define CFG_MAX_INCLUDES      128                   /* include files per load, in all */

typedef struct cfg_node cfg_node;   /* opaque */
typedef struct rb_config rb_config; /* opaque; root + bookkeeping */

rb_config *cfg_new(void);           /* NULL on out of memory */
void cfg_free(rb_config *c);        /* NULL is fine */

/* Load a YAML file into the tree, merging into what is already there (later
 * values override). Returns 0, or -1 with a message in err (if err != NULL):
 * "FILE:LINE:COL: reason" for syntax and structure errors, "FILE: reason" for
 * files that cannot be read or are too large. */
int cfg_load_file(rb_config *c, const char *path, char *err, size_t errlen);
/* Same for a YAML text (named "<string>" in messages); for tests. */
int cfg_load_string(rb_config *c, const char *yaml, char *err, size_t errlen);

/* --set "a.b.c=value": creates or overrides the leaf (whitespace around the key
 * and before the value is trimmed; the value may be empty). Scalars and nulls on
 * the way become mappings. In a sequence, a numeric component addresses the item
 * (missing items up to it are added as nulls, index limit 65535); another
 * component addresses the single-key-mapping item with that key, or a scalar
 * item equal to it (turned into "- key: ..."), or else appends a new item
 * "- key: ...". Returns 0, or -1 on malformed input (no '=', empty key or empty
 * component, too deep, index too large, too many nodes). */
int cfg_set(rb_config *c, const char *assignment);

/* Lookups by dotted path (see above). */
const cfg_node *cfg_find(const rb_config *c, const char *dotted);
const char *cfg_get_str(const rb_config *c, const char *dotted);  /* scalar value or NULL */
/* yes/true/on/1 -> 1, no/false/off/0 -> 0 (any case); dflt if absent or other */
int cfg_get_bool(const rb_config *c, const char *dotted, int dflt);
/* decimal integer; dflt if absent, malformed or out of range */
int64_t cfg_get_int(const rb_config *c, const char *dotted, int64_t dflt);
/* "4096", "1kb", "128mb", "1gb", "1mib", "1.5kb", units b/k/kb/kib/m/mb/mib/
 * g/gb/gib/t/tb/tib in any case, all powers of 1024; dflt if absent, malformed
 * or overflowing */
uint64_t cfg_get_size(const rb_config *c, const char *dotted, uint64_t dflt);
/* The same conversions of a scalar value in hand (a node's, NULL: dflt). */
int cfg_value_bool(const char *v, int dflt);
uint64_t cfg_value_size(const char *v, uint64_t dflt);
/* finite floating point number; dflt if absent or malformed */
double cfg_get_double(const rb_config *c, const char *dotted, double dflt);

/* Node API for iteration. */
const cfg_node *cfg_root(const rb_config *c);
const char *cfg_node_name(const cfg_node *n);   /* map key, or "0","1".. for sequence items; "" for the root */
const char *cfg_node_value(const cfg_node *n);  /* scalar value or NULL */
size_t cfg_node_count(const cfg_node *n);       /* number of children */
const cfg_node *cfg_node_child(const cfg_node *n, size_t i); /* NULL if out of range */
const cfg_node *cfg_node_lookup(const cfg_node *n, const char *dotted); /* relative lookup, same rules */
int cfg_node_is_seq(const cfg_node *n);
int cfg_node_is_map(const cfg_node *n);         /* mapping (possibly empty) */

/* Unknown-key reporting: every top-level key loaded from a file that is not in
 * known_top_level[0..n) gets one warning, and every remembered --set whose first
 * component is not known gets one warning (rb_warn, "ribat: warning: ..."). */
void cfg_warn_unknown(const rb_config *c, const char *const *known_top_level, size_t n);

/* Print every leaf as "dotted.key = value" (nulls as "~", empty mappings and
 * sequences as "{}" and "[]"; newlines in values as "\n"). For --dump-config. */
void cfg_dump(const rb_config *c, FILE *f);

#endif
