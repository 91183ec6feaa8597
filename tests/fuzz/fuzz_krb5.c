/* libFuzzer harness: the Kerberos 5 parser (framing, DER, names) and its EVE output.
 * Input: byte 0 bit 0 = TCP (record-marked stream), else UDP (each data record
 * is one datagram); then the records of fuzz_records.h (data to the KDC or
 * from it, gaps (TCP), polls). Every completed transaction is written as EVE. */
#include "applayer/krb5.h"
#include "fuzz_records.h"
#include "output/eve_krb5.h"

typedef struct ctx {
    krb5_state *s;
    bool tcp;
    jbuf jb;
} ctx;

static void on_data(void *p, int dir, const uint8_t *d, size_t n)
{
    ctx *c = p;
    (void)krb5_probe(d, n, c->tcp, 1024, 88);
    krb5_feed(c->s, dir, d, n, c->tcp);
}

static void on_gap(void *p, uint8_t ctl, size_t len)
{
    ctx *c = p;
    (void)len;
    if (c->tcp)
        krb5_gap(c->s, (ctl >> 2) & 1);
}

static void on_poll(void *p, uint8_t ctl) { (void)p; (void)ctl; }

static void after(void *p)
{
    ctx *c = p;
    krb5_tx *tx;
    while ((tx = krb5_next_loggable(c->s)) != NULL) {
        jb_reset(&c->jb);
        jb_open_object(&c->jb, NULL);
        eve_krb5_object(&c->jb, tx);
        jb_close_object(&c->jb);
    }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 1)
        return 0;
    ctx c = { .s = krb5_new(), .tcp = data[0] & 1 };
    if (!c.s)
        return 0;
    jb_init(&c.jb);
    static const fuzz_record_ops ops = { on_data, on_gap, on_poll, after };
    fuzz_records(data, size, 1, &ops, &c);
    after(&c);
    jb_free(&c.jb);
    krb5_free(c.s);
    return 0;
}
