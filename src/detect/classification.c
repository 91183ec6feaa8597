/* classification.c -- the side files of a rule set:
 *   classification.config   config classification: NAME,DESCRIPTION,PRIORITY
 *   reference.config        config reference: SYSTEM URL
 *   threshold.config        threshold|event_filter gen_id G, sig_id S, type T, track K, count C, seconds N
 *                           rate_filter gen_id G, sig_id S, track K, count C, seconds N, new_action A, timeout T
 *                           suppress gen_id G, sig_id S[, track by_src|by_dst|by_either, ip ADDR]
 * Comments (#) and blank lines are skipped; each bad line gets one warning
 * "FILE:LINE: reason" and is skipped. A later classification with the same
 * name replaces the earlier one (as in Suricata). */
#include "detect/rule_int.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "common/log.h"

char *rules_read_file_(const char *path, size_t *len);

typedef int (*line_fn)(rule_set *s, char *line, const char *name, uint32_t lineno);

static int for_each_line(rule_set *s, const char *text, size_t len, const char *name, line_fn fn)
{
    int count = 0;
    uint32_t lineno = 0;
    size_t pos = 0;
    char *buf = NULL;
    size_t cap = 0;
    while (pos < len) {
        const char *l = text + pos;
        const char *nl = memchr(l, '\n', len - pos);
        size_t ll = nl ? (size_t)(nl - l) : len - pos;
        pos += ll + (nl ? 1 : 0);
        lineno++;
        if (ll > 65536) {
            rb_warn("%s:%u: line too long, skipped", name, lineno);
            continue;
        }
        if (ll + 1 > cap) {
            char *nb = realloc(buf, ll + 1);
            if (!nb)
                break;
            buf = nb;
            cap = ll + 1;
        }
        memcpy(buf, l, ll);
        buf[ll] = 0;
        char *t = rp_trim(buf);
        if (!*t || *t == '#')
            continue;
        if (fn(s, t, name, lineno) == 0)
            count++;
    }
    free(buf);
    return count;
}

/* "config KEY: rest" -> rest, or NULL */
static char *config_line(char *line, const char *key)
{
    if (strncmp(line, "config", 6) != 0 || !isspace((unsigned char)line[6]))
        return NULL;
    char *p = rp_trim(line + 6);
    size_t kl = strlen(key);
    if (strncmp(p, key, kl) != 0)
        return NULL;
    p += kl;
    while (isspace((unsigned char)*p))
        p++;
    if (*p != ':')
        return NULL;
    return rp_trim(p + 1);
}

static int class_line(rule_set *s, char *line, const char *name, uint32_t lineno)
{
    char *rest = config_line(line, "classification");
    if (!rest) {
        rb_warn("%s:%u: expected \"config classification: name,description,priority\"", name, lineno);
        return -1;
    }
    char *c1 = strchr(rest, ',');
    char *c2 = c1 ? strrchr(c1 + 1, ',') : NULL;
    if (!c1 || !c2) {
        rb_warn("%s:%u: expected name,description,priority", name, lineno);
        return -1;
    }
    *c1 = 0;
    *c2 = 0;
    char *cn = rp_trim(rest), *desc = rp_trim(c1 + 1), *prio = rp_trim(c2 + 1);
    uint64_t p;
    if (!*cn || rp_parse_u64(prio, 255, &p) < 0) {
        rb_warn("%s:%u: bad classification name or priority", name, lineno);
        return -1;
    }
    for (size_t i = 0; i < s->n_classes; i++)
        if (strcasecmp(s->classes[i].name, cn) == 0) {
            char *d = rp_strdup(desc);
            if (!d)
                return -1;
            free(s->classes[i].desc);
            s->classes[i].desc = d;
            s->classes[i].priority = (int)p;
            return 0;
        }
    rule_class *nc = realloc(s->classes, (s->n_classes + 1) * sizeof *nc);
    if (!nc)
        return -1;
    s->classes = nc;
    nc[s->n_classes].name = rp_strdup(cn);
    nc[s->n_classes].desc = rp_strdup(desc);
    nc[s->n_classes].priority = (int)p;
    if (!nc[s->n_classes].name || !nc[s->n_classes].desc) {
        free(nc[s->n_classes].name);
        free(nc[s->n_classes].desc);
        return -1;
    }
    s->n_classes++;
    return 0;
}

static int ref_line(rule_set *s, char *line, const char *name, uint32_t lineno)
{
    char *rest = config_line(line, "reference");
    if (!rest) {
        rb_warn("%s:%u: expected \"config reference: system url\"", name, lineno);
        return -1;
    }
    char *sp = rest;
    while (*sp && !isspace((unsigned char)*sp))
        sp++;
    if (!*sp) {
        rb_warn("%s:%u: expected system and url", name, lineno);
        return -1;
    }
    *sp = 0;
    char *url = rp_trim(sp + 1);
    for (size_t i = 0; i < s->n_refsys; i++)
        if (strcasecmp(s->refsys[i].name, rest) == 0) {
            char *u = rp_strdup(url);
            if (!u)
                return -1;
            free(s->refsys[i].url);
            s->refsys[i].url = u;
            return 0;
        }
    rule_refsys *nr = realloc(s->refsys, (s->n_refsys + 1) * sizeof *nr);
    if (!nr)
        return -1;
    s->refsys = nr;
    nr[s->n_refsys].name = rp_strdup(rest);
    nr[s->n_refsys].url = rp_strdup(url);
    if (!nr[s->n_refsys].name || !nr[s->n_refsys].url) {
        free(nr[s->n_refsys].name);
        free(nr[s->n_refsys].url);
        return -1;
    }
    s->n_refsys++;
    return 0;
}

static int thr_line(rule_set *s, char *line, const char *name, uint32_t lineno)
{
    rule_tcfg t;
    memset(&t, 0, sizeof t);
    t.line = lineno;
    char *p = line;
    while (*p && !isspace((unsigned char)*p))
        p++;
    if (*p)
        *p++ = 0;
    if (strcmp(line, "threshold") == 0) t.kind = RULE_TCFG_THRESHOLD;
    else if (strcmp(line, "event_filter") == 0) t.kind = RULE_TCFG_EVENT_FILTER;
    else if (strcmp(line, "rate_filter") == 0) t.kind = RULE_TCFG_RATE_FILTER;
    else if (strcmp(line, "suppress") == 0) t.kind = RULE_TCFG_SUPPRESS;
    else {
        rb_warn("%s:%u: unknown directive \"%.40s\"", name, lineno, line);
        return -1;
    }
    bool have_gid = false, have_sid = false, have_type = false, have_track = false, have_count = false,
         have_secs = false;
    char *ip = NULL;
    for (char *next = p; next;) {
        /* split on commas outside [ ] (suppress ip lists) */
        char *tok = next;
        int depth = 0;
        char *c = next;
        while (*c && (depth > 0 || *c != ',')) {
            if (*c == '[') depth++;
            else if (*c == ']' && depth > 0) depth--;
            c++;
        }
        next = *c ? c + 1 : NULL;
        *c = 0;
        tok = rp_trim(tok);
        if (!*tok)
            continue;
        char *v = tok;
        while (*v && !isspace((unsigned char)*v))
            v++;
        if (*v)
            *v++ = 0;
        v = rp_trim(v);
        uint64_t x;
        const char *bad = NULL;
        if (strcmp(tok, "gen_id") == 0) {
            if (rp_parse_u64(v, UINT32_MAX, &x) < 0) bad = "gen_id";
            else { t.gid = (uint32_t)x; have_gid = true; }
        } else if (strcmp(tok, "sig_id") == 0) {
            if (rp_parse_u64(v, UINT32_MAX, &x) < 0) bad = "sig_id";
            else { t.sid = (uint32_t)x; have_sid = true; }
        } else if (strcmp(tok, "type") == 0) {
            if (strcmp(v, "limit") == 0) t.thr.type = RULE_THR_LIMIT;
            else if (strcmp(v, "threshold") == 0) t.thr.type = RULE_THR_THRESHOLD;
            else if (strcmp(v, "both") == 0) t.thr.type = RULE_THR_BOTH;
            else bad = "type";
            have_type = true;
        } else if (strcmp(tok, "track") == 0) {
            if (strcmp(v, "by_src") == 0) t.thr.track = RULE_BY_SRC;
            else if (strcmp(v, "by_dst") == 0) t.thr.track = RULE_BY_DST;
            else if (strcmp(v, "by_rule") == 0) t.thr.track = RULE_BY_RULE;
            else if (strcmp(v, "by_both") == 0) t.thr.track = RULE_BY_BOTH;
            else if (strcmp(v, "by_flow") == 0) t.thr.track = RULE_BY_FLOW;
            else if (strcmp(v, "by_either") == 0 && t.kind == RULE_TCFG_SUPPRESS) t.thr.track = RULE_BY_BOTH;
            else bad = "track";
            have_track = true;
        } else if (strcmp(tok, "count") == 0) {
            if (rp_parse_u64(v, UINT32_MAX, &x) < 0) bad = "count";
            else { t.thr.count = (uint32_t)x; have_count = true; }
        } else if (strcmp(tok, "seconds") == 0) {
            if (rp_parse_u64(v, UINT32_MAX, &x) < 0) bad = "seconds";
            else { t.thr.seconds = (uint32_t)x; have_secs = true; }
        } else if (strcmp(tok, "timeout") == 0 && t.kind == RULE_TCFG_RATE_FILTER) {
            if (rp_parse_u64(v, UINT32_MAX, &x) < 0) bad = "timeout";
            else t.timeout = (uint32_t)x;
        } else if (strcmp(tok, "new_action") == 0 && t.kind == RULE_TCFG_RATE_FILTER) {
            static const char *const acts[] = { "alert", "drop", "reject", "rejectsrc", "rejectdst", "rejectboth", "pass" };
            bad = "new_action";
            for (unsigned i = 0; i < 7; i++)
                if (strcmp(v, acts[i]) == 0) {
                    t.new_action = (uint8_t)i;
                    bad = NULL;
                }
        } else if (strcmp(tok, "ip") == 0 && t.kind == RULE_TCFG_SUPPRESS) {
            ip = v;
        } else {
            rb_warn("%s:%u: unknown option \"%.40s\"", name, lineno, tok);
            return -1;
        }
        if (bad) {
            rb_warn("%s:%u: bad %s \"%.40s\"", name, lineno, bad, v);
            return -1;
        }
    }
    if (!have_gid || !have_sid) {
        rb_warn("%s:%u: gen_id and sig_id are required", name, lineno);
        return -1;
    }
    if (t.kind == RULE_TCFG_SUPPRESS) {
        if (ip && !have_track) {
            rb_warn("%s:%u: suppress with ip needs track", name, lineno);
            return -1;
        }
        if (ip) {
            char err[256];
            if (ap_parse_addr(s, ip, &t.ip, err, sizeof err) < 0) {
                rb_warn("%s:%u: suppress ip: %s", name, lineno, err);
                return -1;
            }
        }
    } else if ((t.kind != RULE_TCFG_RATE_FILTER && !have_type) || !have_track || !have_count || !have_secs) {
        rb_warn("%s:%u: %s needs %strack, count and seconds", name, lineno, line,
                t.kind == RULE_TCFG_RATE_FILTER ? "" : "type, ");
        return -1;
    }
    if (t.kind == RULE_TCFG_RATE_FILTER)
        t.thr.type = RULE_THR_DETECTION_FILTER;
    rule_tcfg *nt = realloc(s->tcfg, (s->n_tcfg + 1) * sizeof *nt);
    if (!nt)
        return -1;
    s->tcfg = nt;
    nt[s->n_tcfg++] = t;
    return 0;
}

static int load_path(rule_set *s, const char *path, line_fn fn)
{
    size_t len;
    char *buf = rules_read_file_(path, &len);
    if (!buf)
        return -1;
    int n = for_each_line(s, buf, len, path, fn);
    free(buf);
    return n;
}

int rules_load_classification(rule_set *s, const char *path) { return load_path(s, path, class_line); }
int rules_load_reference_config(rule_set *s, const char *path) { return load_path(s, path, ref_line); }
int rules_load_threshold_config(rule_set *s, const char *path) { return load_path(s, path, thr_line); }

int rules_load_classification_string(rule_set *s, const char *text, const char *name)
{
    return for_each_line(s, text, strlen(text), name, class_line);
}
int rules_load_reference_config_string(rule_set *s, const char *text, const char *name)
{
    return for_each_line(s, text, strlen(text), name, ref_line);
}
int rules_load_threshold_config_string(rule_set *s, const char *text, const char *name)
{
    return for_each_line(s, text, strlen(text), name, thr_line);
}

const rule_class *rule_set_class(const rule_set *s, const char *name) { return rp_class_find(s, name); }

const rule_refsys *rule_set_refsys(const rule_set *s, const char *name)
{
    for (size_t i = 0; i < s->n_refsys; i++)
        if (strcasecmp(s->refsys[i].name, name) == 0)
            return &s->refsys[i];
    return NULL;
}

const rule_tcfg *rule_set_tcfg(const rule_set *s, size_t *n)
{
    *n = s->n_tcfg;
    return s->tcfg;
}
