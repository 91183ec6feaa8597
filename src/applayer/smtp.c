/* smtp.c -- see smtp.h */
#include "applayer/smtp.h"

#include "common/digest.h"

#include <stdlib.h>
#include <string.h>

enum { M_CMD = 0, M_DATA, M_BDAT, M_HOLD };
enum { C_OTHER = 0, C_HELO, C_DATA, C_BDAT, C_STARTTLS, C_RSET, C_QUIT };

typedef struct linebuf {
    uint8_t *b;
    uint32_t n;
    bool cut;   /* the current line went past the buffer */
} linebuf;

struct smtp_state {
    smtp_config cfg;
    linebuf cmd, reply, msg;
    int mode;                   /* client side, M_* */
    uint64_t bdat_left;
    bool bdat_last;
    bool msg_cont;              /* the message line buffer was flushed in pieces */
    uint8_t pending[SMTP_MAX_PENDING];
    uint32_t p_head, p_n;
    bool greeted;
    bool tls, dead;
    bool client_done;           /* the client's bytes are ignored (depth) */
    bool truncating;            /* end_tx of a cut mail: files end TRUNCATED */
    uint8_t *hold[2];
    size_t hold_n[2];
    http_str helo;
    smtp_tx *q[SMTP_MAX_TX];
    uint32_t nq;
    smtp_tx *cur;               /* the mail being built (also in q), or NULL */
    smtp_tx *returned;          /* freed on the next call */
    uint64_t next_tx_id;
    int cur_file;               /* index in cur->files of the open attachment, -1 none */
    smtp_data_cb data_cb;
    void *data_ctx;
};

static const char *const ev_names[SMTP_EV_COUNT] = {
    "smtp.invalid_reply", "smtp.unable_to_match_reply_with_request", "smtp.max_command_line_len_exceeded",
    "smtp.max_reply_line_len_exceeded", "smtp.invalid_pipelined_sequence", "smtp.bdat_invalid_size",
    "smtp.too_many_rcpt", "smtp.too_many_files", "smtp.data_command_rejected", "smtp.tls_rejected",
    "smtp.gap", "smtp.no_server_welcome_message",
};

const char *smtp_event_name(unsigned i)
{
    return i < SMTP_EV_COUNT ? ev_names[i] : "smtp.unknown";
}

uint64_t smtp_tx_events(const smtp_tx *tx)
{
    return (uint64_t)tx->events | (uint64_t)mime_events(tx->mime) << SMTP_EV_COUNT;
}

const char *smtp_tx_event_name(unsigned i)
{
    return i < SMTP_EV_COUNT ? smtp_event_name(i) : mime_event_name(i - SMTP_EV_COUNT);
}

void smtp_config_default(smtp_config *c)
{
    memset(c, 0, sizeof *c);
    c->max_line = 4096;
    c->max_rcpt = 64;
    c->max_files = 64;
    c->file_data_limit = 100 * 1024;
    mime_config_default(&c->mime);
}

/* ------------------------------------------------------------------------ */
/* small helpers */

static bool str_set(http_str *x, const uint8_t *p, size_t n)
{
    free(x->ptr);
    x->ptr = malloc(n + 1);
    x->len = 0;
    if (!x->ptr)
        return false;
    memcpy(x->ptr, p, n);
    x->ptr[n] = 0;
    x->len = n;
    return true;
}

static bool ieq_prefix(const uint8_t *p, size_t n, const char *w)
{
    size_t wl = strlen(w);
    if (n < wl)
        return false;
    for (size_t i = 0; i < wl; i++) {
        uint8_t c = p[i];
        if (c >= 'A' && c <= 'Z')
            c = (uint8_t)(c + 32);
        if (c != (uint8_t)w[i])
            return false;
    }
    return true;
}

/* a command verb alone or followed by a space */
static bool is_verb(const uint8_t *p, size_t n, const char *w)
{
    size_t wl = strlen(w);
    return ieq_prefix(p, n, w) && (n == wl || p[wl] == ' ' || p[wl] == '\t');
}

/* the argument at off: spaces skipped, up to the next space (as Suricata) */
static void argument(const uint8_t *p, size_t n, size_t off, const uint8_t **a, size_t *al)
{
    while (off < n && (p[off] == ' ' || p[off] == '\t'))
        off++;
    size_t e = off;
    while (e < n && p[e] != ' ' && p[e] != '\t')
        e++;
    *a = p + off;
    *al = e - off;
}

/* ------------------------------------------------------------------------ */
/* transactions and files */

static void tx_free(smtp_tx *tx)
{
    if (!tx)
        return;
    free(tx->helo.ptr);
    free(tx->mail_from.ptr);
    for (uint32_t i = 0; i < tx->n_rcpt; i++)
        free(tx->rcpt[i].ptr);
    free(tx->rcpt);
    mime_free(tx->mime);
    for (uint32_t i = 0; i < tx->n_files; i++) {
        free(tx->files[i].filename.ptr);
        free(tx->files[i].hctx);
        free(tx->file_data[i].ptr);
    }
    free(tx->files);
    free(tx->file_data);
    free(tx);
}

static void file_close(smtp_state *s, http_file *f, bool truncated)
{
    if (f->state != HTTP_FILE_OPEN)
        return;
    f->state = truncated ? HTTP_FILE_TRUNCATED : HTTP_FILE_CLOSED;
    if (f->hctx && !truncated)
        http_file_hashes_final(f, f->hctx);
    free(f->hctx);
    f->hctx = NULL;
}

static void mime_part_cb(void *ctx, const mime_part *part, int what)
{
    smtp_state *s = ctx;
    smtp_tx *tx = s->cur;
    if (!tx)
        return;
    if (what == MIME_PART_END) {
        if (s->cur_file >= 0)
            file_close(s, &tx->files[s->cur_file], tx->files[s->cur_file].gaps || s->truncating);
        s->cur_file = -1;
        return;
    }
    s->cur_file = -1;
    if (!part->attachment)
        return;
    if (tx->n_files >= s->cfg.max_files) {
        tx->events |= SMTP_EV_TOO_MANY_FILES;
        return;
    }
    if (!tx->files) {
        tx->files = calloc(s->cfg.max_files, sizeof *tx->files);
        tx->file_data = calloc(s->cfg.max_files, sizeof *tx->file_data);
        if (!tx->files || !tx->file_data) {
            free(tx->files);
            free(tx->file_data);
            tx->files = NULL;
            tx->file_data = NULL;
            return;
        }
    }
    http_file *f = &tx->files[tx->n_files];
    memset(f, 0, sizeof *f);
    str_set(&f->filename, (const uint8_t *)part->filename, part->filename_len);
    f->tx_id = tx->tx_id;
    f->dir = 0;
    f->state = HTTP_FILE_OPEN;
    if (s->cfg.file_md5 || s->cfg.file_sha1 || s->cfg.file_sha256) {
        f->hctx = malloc(sizeof *f->hctx);
        if (f->hctx)
            rb_file_hash_init(f->hctx, s->cfg.file_md5, s->cfg.file_sha1, s->cfg.file_sha256);
    }
    s->cur_file = (int)tx->n_files++;
}

static void mime_data_cb(void *ctx, const mime_part *part, const uint8_t *p, size_t n)
{
    smtp_state *s = ctx;
    smtp_tx *tx = s->cur;
    if (!tx)
        return;
    if (s->cur_file >= 0) {
        http_file *f = &tx->files[s->cur_file];
        f->size += n;
        if (f->hctx)
            rb_file_hash_update(f->hctx, p, n);
        http_str *kd = &tx->file_data[s->cur_file];
        if (kd->len < s->cfg.file_data_limit) {
            size_t take = s->cfg.file_data_limit - kd->len;
            if (take > n)
                take = n;
            if (!kd->ptr)
                kd->ptr = malloc((size_t)s->cfg.file_data_limit + 1);
            if (kd->ptr) {
                memcpy(kd->ptr + kd->len, p, take);
                kd->len += take;
                kd->ptr[kd->len] = 0;
            }
        }
    }
    if (s->data_cb)
        s->data_cb(s->data_ctx, tx, part, p, n);
}

/* The mail being built, created when there is none. NULL when too many
 * transactions wait to be logged. */
static smtp_tx *cur_tx(smtp_state *s)
{
    if (s->cur)
        return s->cur;
    if (s->nq >= SMTP_MAX_TX)
        return NULL;
    smtp_tx *tx = calloc(1, sizeof *tx);
    if (!tx)
        return NULL;
    tx->tx_id = s->next_tx_id++;
    if (s->helo.ptr)
        str_set(&tx->helo, s->helo.ptr, s->helo.len);
    s->q[s->nq++] = tx;
    s->cur = tx;
    s->cur_file = -1;
    return tx;
}

static bool start_message(smtp_state *s, smtp_tx *tx)
{
    if (tx->mime)
        return true;
    mime_callbacks cb = { mime_data_cb, mime_part_cb, s };
    tx->mime = mime_new(&s->cfg.mime, &cb);
    return tx->mime != NULL;
}

/* the current mail ends (complete: its message ended properly) */
static void end_tx(smtp_state *s, bool complete)
{
    smtp_tx *tx = s->cur;
    if (!tx)
        return;
    if (tx->mime) {
        if (s->msg.n || s->msg_cont) {
            /* a message line without its end: the rest of what was sent */
            if (s->msg.n)
                mime_line(tx->mime, s->msg.b, s->msg.n, false);
            s->msg.n = 0;
        }
        s->truncating = !complete;
        mime_end(tx->mime, complete);
        s->truncating = false;
    }
    s->msg_cont = false;
    s->msg.n = 0;
    for (uint32_t i = 0; i < tx->n_files; i++)
        file_close(s, &tx->files[i], true);
    s->cur_file = -1;
    tx->complete = true;
    s->cur = NULL;
}

/* ------------------------------------------------------------------------ */
/* the message (DATA and BDAT) */

static void push_pending(smtp_state *s, uint8_t c);

static void msg_line(smtp_state *s, const uint8_t *p, size_t n, bool eol)
{
    smtp_tx *tx = s->cur;
    if (!tx || !tx->mime)
        return;
    tx->msg_bytes += n + (eol ? 2 : 0);
    mime_line(tx->mime, p, n, eol);
}

/* Message bytes; with dot (DATA) a line "." ends the message and leading
 * dots are unstuffed. Returns the bytes consumed (the message's end stops). */
static size_t msg_bytes(smtp_state *s, const uint8_t *p, size_t n, bool dot)
{
    linebuf *L = &s->msg;
    size_t i = 0;
    while (i < n) {
        const uint8_t *lf = memchr(p + i, '\n', n - i);
        size_t upto = lf ? (size_t)(lf - p) : n; /* exclusive: the LF */
        while (i < upto) {
            size_t room = s->cfg.max_line - L->n;
            size_t take = upto - i < room ? upto - i : room;
            memcpy(L->b + L->n, p + i, take);
            L->n += take;
            i += take;
            if (L->n == s->cfg.max_line) {
                /* a long line goes on in pieces; a CR at the end may start the CRLF */
                uint32_t keep = L->b[L->n - 1] == '\r' ? 1 : 0;
                const uint8_t *q = L->b;
                size_t qn = L->n - keep;
                if (dot && !s->msg_cont && qn && q[0] == '.') {
                    q++;
                    qn--;
                }
                msg_line(s, q, qn, false);
                s->msg_cont = true;
                if (keep)
                    L->b[0] = '\r';
                L->n = keep;
            }
        }
        if (!lf)
            break;
        i++; /* the LF */
        size_t ln = L->n;
        if (ln && L->b[ln - 1] == '\r')
            ln--;
        const uint8_t *q = L->b;
        if (dot && !s->msg_cont) {
            if (ln == 1 && q[0] == '.') {
                L->n = 0;
                push_pending(s, C_OTHER); /* the server answers the message too */
                end_tx(s, true);
                s->mode = M_CMD;
                return i;
            }
            if (ln && q[0] == '.') {
                q++;
                ln--;
            }
        }
        msg_line(s, q, ln, true);
        s->msg_cont = false;
        L->n = 0;
    }
    return i;
}

/* ------------------------------------------------------------------------ */
/* client commands */

static void push_pending(smtp_state *s, uint8_t c)
{
    if (s->p_n == SMTP_MAX_PENDING) {
        if (s->cur)
            s->cur->events |= SMTP_EV_TOO_MANY_PENDING;
        s->p_head = (s->p_head + 1) % SMTP_MAX_PENDING; /* the oldest is forgotten */
        s->p_n--;
    }
    s->pending[(s->p_head + s->p_n) % SMTP_MAX_PENDING] = c;
    s->p_n++;
}

static int pop_pending(smtp_state *s)
{
    if (!s->p_n)
        return -1;
    int c = s->pending[s->p_head];
    s->p_head = (s->p_head + 1) % SMTP_MAX_PENDING;
    s->p_n--;
    return c;
}

static void client_line(smtp_state *s, const uint8_t *p, size_t n, bool cut)
{
    const uint8_t *a;
    size_t al;
    smtp_tx *tx;
    /* every command but RSET and QUIT belongs to a mail (a new one when none is open), as in Suricata */
    if (!is_verb(p, n, "rset") && !is_verb(p, n, "quit"))
        cur_tx(s);
    /* a command before the server said anything: each one is flagged, as Suricata */
    if (!s->greeted && s->cur)
        s->cur->events |= SMTP_EV_NO_WELCOME;
    if (cut && (tx = cur_tx(s)) != NULL)
        tx->events |= SMTP_EV_COMMAND_TOO_LONG;
    if (is_verb(p, n, "helo") || is_verb(p, n, "ehlo")) {
        argument(p, n, 4, &a, &al);
        if (al) { /* a bare EHLO names nothing */
            str_set(&s->helo, a, al);
            if (s->cur && !s->cur->mail_from.ptr && !s->cur->mime)
                str_set(&s->cur->helo, a, al);
        }
        push_pending(s, C_HELO);
    } else if (ieq_prefix(p, n, "mail from:")) {
        if ((tx = cur_tx(s)) != NULL) {
            argument(p, n, 10, &a, &al);
            str_set(&tx->mail_from, a, al);
        }
        push_pending(s, C_OTHER);
    } else if (ieq_prefix(p, n, "rcpt to:")) {
        if ((tx = cur_tx(s)) != NULL) {
            if (tx->n_rcpt >= s->cfg.max_rcpt) {
                tx->events |= SMTP_EV_TOO_MANY_RCPT;
            } else {
                if (!tx->rcpt)
                    tx->rcpt = calloc(s->cfg.max_rcpt, sizeof *tx->rcpt);
                argument(p, n, 8, &a, &al);
                if (tx->rcpt && str_set(&tx->rcpt[tx->n_rcpt], a, al))
                    tx->n_rcpt++;
            }
        }
        push_pending(s, C_OTHER);
    } else if (is_verb(p, n, "data")) {
        push_pending(s, C_DATA);
        /* the message follows even when it cannot be kept (too many mails waiting):
         * its lines must not be taken for commands */
        if ((tx = cur_tx(s)) != NULL)
            start_message(s, tx);
        s->mode = M_DATA;
        s->msg.n = 0;
        s->msg_cont = false;
    } else if (is_verb(p, n, "bdat")) {
        push_pending(s, C_BDAT);
        size_t i = 4;
        while (i < n && p[i] == ' ')
            i++;
        uint64_t len = 0;
        size_t d0 = i;
        while (i < n && p[i] >= '0' && p[i] <= '9' && i - d0 < 19)
            len = len * 10 + (uint64_t)(p[i++] - '0');
        tx = cur_tx(s);
        if (i == d0) {
            if (tx)
                tx->events |= SMTP_EV_BDAT_INVALID;
            return;
        }
        argument(p, n, i, &a, &al);
        s->bdat_last = al == 4 && ieq_prefix(a, al, "last");
        s->bdat_left = len;
        if (tx && start_message(s, tx)) {
            s->mode = M_BDAT;
            if (len == 0 && s->bdat_last) {
                end_tx(s, true);
                s->mode = M_CMD;
            }
        } else {
            s->mode = len ? M_BDAT : M_CMD; /* skip the chunk all the same */
        }
    } else if (is_verb(p, n, "rset")) {
        push_pending(s, C_RSET);
        if (s->cur)
            end_tx(s, false);
    } else if (is_verb(p, n, "starttls")) {
        push_pending(s, C_STARTTLS);
        s->mode = M_HOLD;
    } else if (is_verb(p, n, "quit")) {
        push_pending(s, C_QUIT);
    } else {
        push_pending(s, C_OTHER);
    }
}

static int feed_client(smtp_state *s, const uint8_t *p, size_t n);

/* ------------------------------------------------------------------------ */
/* server replies */

static void server_line(smtp_state *s, const uint8_t *p, size_t n)
{
    bool ok = n >= 3 && p[0] >= '1' && p[0] <= '5' && p[1] >= '0' && p[1] <= '9' && p[2] >= '0' && p[2] <= '9' &&
              (n == 3 || p[3] == ' ' || p[3] == '-' || p[3] == '\t');
    if (!ok) {
        if (s->cur)
            s->cur->events |= SMTP_EV_INVALID_REPLY;
        return;
    }
    if (n > 3 && p[3] == '-')
        return; /* continued */
    int code = (p[0] - '0') * 100 + (p[1] - '0') * 10 + (p[2] - '0');
    if (!s->greeted) {
        s->greeted = true;
        if (code == 220 || code == 554 || code == 421)
            return; /* the greeting answers no command */
    }
    int cmd = pop_pending(s);
    if (cmd < 0) {
        if (s->cur)
            s->cur->events |= SMTP_EV_UNMATCHED_REPLY;
        return;
    }
    if (cmd == C_STARTTLS) {
        if (code == 220) {
            s->tls = true;
            return;
        }
        if (s->cur)
            s->cur->events |= SMTP_EV_TLS_REJECTED;
        if (s->mode == M_HOLD) {
            s->mode = M_CMD;
            uint8_t *h = s->hold[0];
            size_t hn = s->hold_n[0];
            s->hold[0] = NULL;
            s->hold_n[0] = 0;
            if (hn)
                feed_client(s, h, hn);
            free(h);
        }
    } else if (cmd == C_DATA && code >= 400) {
        if (s->cur)
            s->cur->events |= SMTP_EV_DATA_REJECTED;
        if (s->mode == M_DATA && s->cur && s->cur->msg_bytes == 0 && s->msg.n == 0) {
            s->mode = M_CMD; /* the server refused: no message follows */
            mime_free(s->cur->mime);
            s->cur->mime = NULL;
        }
    }
}

/* ------------------------------------------------------------------------ */
/* line assembly */

/* Bytes of a command or reply line; returns true when buf holds a whole line
 * (terminator removed, length in *ln), and *used the bytes consumed. */
static bool line_bytes(smtp_state *s, linebuf *L, const uint8_t *p, size_t n, size_t *used, size_t *ln)
{
    const uint8_t *lf = memchr(p, '\n', n);
    size_t upto = lf ? (size_t)(lf - p) : n;
    size_t room = s->cfg.max_line - L->n;
    size_t take = upto < room ? upto : room;
    memcpy(L->b + L->n, p, take);
    L->n += (uint32_t)take;
    if (take < upto)
        L->cut = true;
    *used = lf ? upto + 1 : n;
    if (!lf)
        return false;
    size_t k = L->n;
    if (k && L->b[k - 1] == '\r')
        k--;
    *ln = k;
    return true;
}

static void hold_bytes(smtp_state *s, int dir, const uint8_t *p, size_t n)
{
    if (!s->hold[dir])
        s->hold[dir] = malloc(SMTP_HOLD_MAX);
    if (!s->hold[dir])
        return;
    size_t take = SMTP_HOLD_MAX - s->hold_n[dir];
    if (take > n)
        take = n;
    memcpy(s->hold[dir] + s->hold_n[dir], p, take);
    s->hold_n[dir] += take;
}

static int feed_client(smtp_state *s, const uint8_t *p, size_t n)
{
    while (n && !s->dead) {
        size_t used;
        switch (s->mode) {
        case M_HOLD:
            hold_bytes(s, 0, p, n);
            return 0;
        case M_BDAT: {
            size_t take = n < s->bdat_left ? n : (size_t)s->bdat_left;
            msg_bytes(s, p, take, false);
            p += take;
            n -= take;
            s->bdat_left -= take;
            if (!s->bdat_left) {
                s->mode = M_CMD;
                if (s->bdat_last)
                    end_tx(s, true);
            }
            break;
        }
        case M_DATA:
            used = msg_bytes(s, p, n, true);
            p += used;
            n -= used;
            break;
        default: {
            size_t ln;
            bool whole = line_bytes(s, &s->cmd, p, n, &used, &ln);
            p += used;
            n -= used;
            if (whole) {
                bool cut = s->cmd.cut;
                s->cmd.n = 0;
                s->cmd.cut = false;
                client_line(s, s->cmd.b, ln, cut);
            }
            break;
        }
        }
    }
    return 0;
}

static int feed_server(smtp_state *s, const uint8_t *p, size_t n)
{
    while (n && !s->dead) {
        size_t used, ln;
        bool whole = line_bytes(s, &s->reply, p, n, &used, &ln);
        p += used;
        n -= used;
        if (!whole)
            break;
        if (s->reply.cut && s->cur)
            s->cur->events |= SMTP_EV_REPLY_TOO_LONG;
        s->reply.n = 0;
        s->reply.cut = false;
        server_line(s, s->reply.b, ln);
        if (s->tls) {
            hold_bytes(s, 1, p, n); /* the server's first TLS bytes */
            return -1;
        }
    }
    return 0;
}

/* ------------------------------------------------------------------------ */
/* interface */

smtp_state *smtp_new(const smtp_config *cfg)
{
    smtp_state *s = calloc(1, sizeof *s);
    if (!s)
        return NULL;
    if (cfg)
        s->cfg = *cfg;
    else
        smtp_config_default(&s->cfg);
    if (s->cfg.max_line < 512)
        s->cfg.max_line = 512;
    if (s->cfg.max_rcpt == 0)
        s->cfg.max_rcpt = 1;
    s->cmd.b = malloc(s->cfg.max_line);
    s->reply.b = malloc(s->cfg.max_line);
    s->msg.b = malloc(s->cfg.max_line);
    s->cur_file = -1;
    if (!s->cmd.b || !s->reply.b || !s->msg.b) {
        smtp_free(s);
        return NULL;
    }
    return s;
}

void smtp_free(smtp_state *s)
{
    if (!s)
        return;
    for (uint32_t i = 0; i < s->nq; i++)
        tx_free(s->q[i]);
    tx_free(s->returned);
    free(s->cmd.b);
    free(s->reply.b);
    free(s->msg.b);
    free(s->hold[0]);
    free(s->hold[1]);
    free(s->helo.ptr);
    free(s);
}

static bool is_smtp_port(uint16_t p)
{
    return p == 25 || p == 587 || p == 2525;
}

int smtp_probe(const uint8_t *d, size_t n, int dir, uint16_t sp, uint16_t dp)
{
    if (dir == 0) {
        size_t k = n < 4 ? n : 4;
        bool e = true, h = true;
        for (size_t i = 0; i < k; i++) {
            uint8_t c = (uint8_t)(d[i] | 0x20);
            e = e && c == (uint8_t)"ehlo"[i];
            h = h && c == (uint8_t)"helo"[i];
        }
        if (!e && !h)
            return 0;
        if (n < 5)
            return -1;
        return d[4] == ' ' || d[4] == '\r' || d[4] == '\n' ? 1 : 0;
    }
    /* server: "220" then ' ' or '-' */
    static const char g[] = "220";
    for (size_t i = 0; i < n && i < 3; i++)
        if (d[i] != (uint8_t)g[i])
            return 0;
    if (n < 4)
        return -1;
    if (d[3] != ' ' && d[3] != '-')
        return 0;
    /* FTP greets with 220 too: the port decides (465 is TLS from the start) */
    return is_smtp_port(sp) || is_smtp_port(dp) ? 1 : 0;
}

int smtp_feed(smtp_state *s, int dir, const uint8_t *d, size_t n)
{
    if (s->returned) {
        tx_free(s->returned);
        s->returned = NULL;
    }
    if (s->dead || s->tls)
        return -1;
    if (dir == 0 && s->client_done)
        return 0;
    int r = dir == 0 ? feed_client(s, d, n) : feed_server(s, d, n);
    return s->dead ? -1 : r;
}

void smtp_gap(smtp_state *s, int dir, uint64_t len)
{
    if (s->dead || s->tls)
        return;
    if (dir == 1) {
        s->reply.n = 0;
        return;
    }
    if (s->cur)
        s->cur->events |= SMTP_EV_GAP;
    s->cmd.n = 0;
    if (s->mode == M_DATA || s->mode == M_BDAT) {
        smtp_tx *tx = s->cur;
        if (tx && s->cur_file >= 0)
            tx->files[s->cur_file].gaps = true;
        if (tx && tx->mime)
            mime_gap(tx->mime);
        s->msg.n = 0;
        s->msg_cont = false;
        if (s->mode == M_BDAT) {
            if (len < s->bdat_left) {
                s->bdat_left -= len;
            } else {
                s->mode = M_CMD;
                if (s->bdat_last)
                    end_tx(s, false);
            }
        }
    }
}

void smtp_eof(smtp_state *s, int dir)
{
    (void)s;
    (void)dir; /* what is open is cut when the transactions are logged at flow end */
}

void smtp_depth_reached(smtp_state *s)
{
    if (s->client_done)
        return;
    s->client_done = true;
    if (s->cur && s->cur->mime)
        end_tx(s, false);
}

bool smtp_starttls(const smtp_state *s)
{
    return s->tls;
}

size_t smtp_tunnel_data(const smtp_state *s, int dir, const uint8_t **data)
{
    if (dir < 0 || dir > 1 || !s->tls) {
        *data = NULL;
        return 0;
    }
    *data = s->hold[dir];
    return s->hold_n[dir];
}

smtp_tx *smtp_next_loggable(smtp_state *s, bool flow_end)
{
    if (s->returned) {
        tx_free(s->returned);
        s->returned = NULL;
    }
    if (flow_end && s->cur)
        end_tx(s, false);
    if (!s->nq || !s->q[0]->complete)
        return NULL;
    smtp_tx *tx = s->q[0];
    memmove(s->q, s->q + 1, (s->nq - 1) * sizeof s->q[0]);
    s->nq--;
    tx->logged = true;
    s->returned = tx;
    return tx;
}

void smtp_set_data_cb(smtp_state *s, smtp_data_cb cb, void *ctx)
{
    s->data_cb = cb;
    s->data_ctx = ctx;
}
