/* eve_alert.c -- the EVE "alert" object (see eve_alert.h). */
#include "output/eve_alert.h"

#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "output/eve.h"

static int meta_cmp(const void *a, const void *b)
{
    const rule_meta *x = *(const rule_meta *const *)a, *y = *(const rule_meta *const *)b;
    int c = strcasecmp(x->key, y->key);
    return c ? c : strcmp(x->key, y->key);
}

static void endpoint(jbuf *jb, const char *key, const Packet *p, bool src)
{
    char ip[64];
    eve_format_addr(src ? &p->src : &p->dst, p->ipver, ip);
    jb_open_object(jb, key);
    jb_str(jb, "ip", ip);
    if (p->proto == 6 || p->proto == 17 || p->proto == 132)
        jb_u64(jb, "port", src ? p->sp : p->dp);
    jb_close_object(jb);
}

void eve_alert_object_open(jbuf *jb, const rule *r, const char *category, int severity, const char *action,
                           const Packet *p)
{
    jb_open_object(jb, "alert");
    jb_str(jb, "action", action ? action : "allowed");
    jb_u64(jb, "gid", r->gid);
    jb_u64(jb, "signature_id", r->sid);
    jb_u64(jb, "rev", r->rev);
    jb_str(jb, "signature", r->msg ? r->msg : "");
    jb_str(jb, "category", category ? category : "");
    jb_i64(jb, "severity", severity);
    if (p && (r->flags & (RULE_F_TARGET_SRC | RULE_F_TARGET_DST))) {
        bool target_is_src = (r->flags & RULE_F_TARGET_SRC) != 0;
        endpoint(jb, "source", p, !target_is_src);
        endpoint(jb, "target", p, target_is_src);
    }
    if (r->n_meta) {
        const rule_meta *stack[64];
        const rule_meta **v = r->n_meta <= 64 ? stack : malloc(r->n_meta * sizeof *v);
        if (v) {
            /* reversed (last given first), then a stable sort by key */
            for (uint32_t i = 0; i < r->n_meta; i++)
                v[i] = &r->meta[r->n_meta - 1 - i];
            for (uint32_t i = 1; i < r->n_meta; i++) { /* insertion sort: stable */
                const rule_meta *x = v[i];
                uint32_t j = i;
                while (j > 0 && meta_cmp(&v[j - 1], &x) > 0) {
                    v[j] = v[j - 1];
                    j--;
                }
                v[j] = x;
            }
            jb_open_object(jb, "metadata");
            for (uint32_t i = 0; i < r->n_meta;) {
                uint32_t j = i;
                jb_open_array(jb, v[i]->key);
                while (j < r->n_meta && strcmp(v[j]->key, v[i]->key) == 0)
                    jb_str(jb, NULL, v[j++]->value);
                jb_close_array(jb);
                i = j;
            }
            jb_close_object(jb);
            if (v != stack)
                free(v);
        }
    }
}

void eve_alert_object(jbuf *jb, const rule *r, const char *category, int severity, const char *action,
                      const Packet *p)
{
    eve_alert_object_open(jb, r, category, severity, action, p);
    jb_close_object(jb);
}

bool rule_blocks(const rule *r)
{
    return r->action == RULE_ACTION_DROP || r->action == RULE_ACTION_REJECT || r->action == RULE_ACTION_REJECTSRC ||
           r->action == RULE_ACTION_REJECTDST || r->action == RULE_ACTION_REJECTBOTH;
}

const char *eve_alert_action(const rule *r, bool ips)
{
    return ips && rule_blocks(r) ? "blocked" : "allowed";
}

void eve_alert_verdict(jbuf *jb, const rule *r, bool ips, bool flow_dropped, uint8_t proto)
{
    bool reject = r->action == RULE_ACTION_REJECT || r->action == RULE_ACTION_REJECTSRC ||
                  r->action == RULE_ACTION_REJECTDST || r->action == RULE_ACTION_REJECTBOTH;
    jb_open_object(jb, "verdict");
    jb_str(jb, "action", ips && (rule_blocks(r) || flow_dropped) ? "drop" : "alert");
    if (reject) {
        jb_str(jb, "reject-target", r->action == RULE_ACTION_REJECTDST    ? "to_server"
                                    : r->action == RULE_ACTION_REJECTBOTH ? "both"
                                                                          : "to_client");
        jb_open_array(jb, "reject");
        if (proto == 6)
            jb_str(jb, NULL, "tcp-reset");
        else if (proto == 17 || proto == 1 || proto == 58)
            jb_str(jb, NULL, "icmp-prohib");
        jb_close_array(jb);
    }
    jb_close_object(jb);
}
