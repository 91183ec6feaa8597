/* leak_scan.c -- the single-pass scanner (see leak.h and leak_int.h).
 *
 * The loop looks at each byte once: a 256-entry class table says whether it
 * belongs to a token ([A-Za-z0-9._%+-@]), is a CSV delimiter, or a line end.
 * A complete token is classified by process_token(); one cut by the end of
 * the buffer is kept in the state's tail and completed by the next buffer. */
#include "leak/leak_int.h"

#include <string.h>

enum { C_OTHER = 0, C_TOK = 1, C_DELIM = 2, C_NL = 3 };

static uint8_t cls[256];
static bool cls_ready;

static void init_cls(void)
{
    if (cls_ready)
        return;
    for (int c = 0; c < 256; c++) {
        uint8_t k = C_OTHER;
        if ((c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '.' || c == '_' ||
            c == '%' || c == '+' || c == '-' || c == '@')
            k = C_TOK;
        else if (c == ';' || c == ',' || c == '\t' || c == '|')
            k = C_DELIM;
        else if (c == '\n')
            k = C_NL;
        cls[c] = k;
    }
    cls_ready = true;
}

void leak_scan_init(leak_scan *s)
{
    init_cls();
    memset(s, 0, sizeof *s);
    s->col_delim = -1;
}

static int delim_index(uint8_t c)
{
    switch (c) {
    case ';': return 0;
    case ',': return 1;
    case '\t': return 2;
    default: return 3;
    }
}

/* ---- context ---- */

static const struct { const char *w; int8_t t; } keywords[] = {
    { "cin", LEAK_CIN }, { "cnie", LEAK_CIN }, { "cni", LEAK_CIN },
    { "cnss", LEAK_CNSS }, { "matricule", LEAK_CNSS }, { "immatriculation", LEAK_CNSS }, { "immat", LEAK_CNSS },
    { "affiliation", LEAK_CNSS_AFFIL }, { "affilie", LEAK_CNSS_AFFIL }, { "employeur", LEAK_CNSS_AFFIL },
    { "rib", LEAK_RIB }, { "iban", LEAK_IBAN }, { "ice", LEAK_ICE },
    { "card", LEAK_CARD }, { "pan", LEAK_CARD },
    { "email", LEAK_EMAIL }, { "mail", LEAK_EMAIL }, { "courriel", LEAK_EMAIL },
    { "tel", LEAK_PHONE }, { "phone", LEAK_PHONE }, { "telephone", LEAK_PHONE }, { "gsm", LEAK_PHONE },
    { "mobile", LEAK_PHONE }, { "portable", LEAK_PHONE },
};

static int keyword(const char *p, size_t n)
{
    if (n < 3 || n > 15)
        return -1;
    char low[16];
    for (size_t i = 0; i < n; i++)
        low[i] = (char)(p[i] | 0x20);
    for (size_t i = 0; i < sizeof keywords / sizeof keywords[0]; i++)
        if (strlen(keywords[i].w) == n && memcmp(keywords[i].w, low, n) == 0)
            return keywords[i].t;
    return -1;
}

static void saw_keyword(leak_scan *s, int t, uint64_t end)
{
    s->kw_end[t] = end + 1; /* 0 = never */
    if (s->hdr_n < LEAK_HDR_MAX) {
        s->hdr[s->hdr_n].type = (uint8_t)t;
        memcpy(s->hdr[s->hdr_n].field, s->fields, sizeof s->fields);
        s->hdr_n++;
    }
}

/* near a keyword of type t, or in a CSV column whose header names t */
static bool has_ctx(const leak_scan *s, int t, uint64_t pos)
{
    if (s->kw_end[t] && pos + 1 >= s->kw_end[t] && pos + 1 - s->kw_end[t] <= LEAK_NEAR)
        return true;
    if (s->col_delim >= 0) {
        uint16_t f = s->fields[s->col_delim];
        if (f < LEAK_COLS && s->col_type[f] == t + 1)
            return true;
    }
    return false;
}

/* ---- classification ---- */

static void numeric(leak_scan *s, const leak_sink *k, const char *c, size_t m, uint64_t pos)
{
    if (c[0] == '+') {
        if (leak_valid_phone(c, m))
            k->found(k->u, LEAK_PHONE, c, m);
        return;
    }
    switch (m) {
    case 24:
        if (leak_valid_rib(c, m))
            k->found(k->u, LEAK_RIB, c, m);
        return;
    case 15:
        if (leak_valid_card(c, m))
            k->found(k->u, LEAK_CARD, c, m);
        else if (leak_valid_ice(c, m))
            k->found(k->u, LEAK_ICE, c, m);
        return;
    case 14:
        if (leak_valid_phone(c, m)) {
            k->found(k->u, LEAK_PHONE, c, m);
            return;
        }
        break;
    case 10:
        if (leak_valid_phone(c, m) && has_ctx(s, LEAK_PHONE, pos))
            k->found(k->u, LEAK_PHONE, c, m);
        return;
    case 9:
        if (leak_valid_cnss(c, m) && has_ctx(s, LEAK_CNSS, pos))
            k->found(k->u, LEAK_CNSS, c, m);
        return;
    case 7:
        if (leak_valid_cnss_affil(c, m) && has_ctx(s, LEAK_CNSS_AFFIL, pos))
            k->found(k->u, LEAK_CNSS_AFFIL, c, m);
        return;
    default:
        break;
    }
    if (m >= 13 && m <= 19 && leak_valid_card(c, m))
        k->found(k->u, LEAK_CARD, c, m);
}

/* one part of a token: letters, digits and digit-dash-digit runs */
static void process_part(leak_scan *s, const leak_sink *k, const char *p, size_t n, uint64_t pos)
{
    if (n == 0)
        return;
    char c[LEAK_TOKEN_MAX];
    size_t m = 0, letters = 0, digits = 0, lead_letters = 0;
    bool in_lead = true;
    for (size_t i = 0; i < n && m < sizeof c; i++) {
        char ch = p[i];
        if (ch == '-')
            continue;
        if (ch >= '0' && ch <= '9') {
            digits++;
            in_lead = false;
        } else if ((ch >= 'A' && ch <= 'Z') || (ch >= 'a' && ch <= 'z')) {
            letters++;
            if (in_lead)
                lead_letters++;
        } else if (!(ch == '+' && i == 0)) {
            return;
        }
        c[m++] = ch;
    }
    if (digits == 0) {
        int t = keyword(c, m);
        if (t >= 0)
            saw_keyword(s, t, pos + n - 1);
        return;
    }
    if (letters == 0) {
        numeric(s, k, c, m, pos);
        return;
    }
    if (c[0] == '+')
        return;
    /* letters first, then digits: CIN, IBAN */
    if (lead_letters <= 2 && m - lead_letters == digits && leak_valid_cin_shape(c, m)) {
        if (has_ctx(s, LEAK_CIN, pos))
            k->found(k->u, LEAK_CIN, c, m);
        return;
    }
    if (m >= 15 && lead_letters == 2) {
        for (size_t i = 0; i < m; i++)
            if (c[i] >= 'a' && c[i] <= 'z')
                return; /* IBANs are written upper-case */
        if (leak_valid_iban(c, m))
            k->found(k->u, LEAK_IBAN, c, m);
    }
}

static bool is_digit(char c)
{
    return c >= '0' && c <= '9';
}

/* ---- joined groups: "4111 1111 1111 1111", "MA64 0115 1900 ...", "+212 6 12 34 56 78" ---- */

static void group_flush(leak_scan *s, const leak_sink *k)
{
    if (s->grp_n >= 2) {
        const char *g = s->grp;
        size_t m = s->grp_len;
        if (g[0] >= 'A' && g[0] <= 'Z') {
            if (leak_valid_iban(g, m))
                k->found(k->u, LEAK_IBAN, g, m);
        } else if (g[0] == '+') {
            if (leak_valid_phone(g, m))
                k->found(k->u, LEAK_PHONE, g, m);
        } else if (m == 24) {
            if (leak_valid_rib(g, m))
                k->found(k->u, LEAK_RIB, g, m);
        } else if (m == 10) {
            if (leak_valid_phone(g, m) && has_ctx(s, LEAK_PHONE, s->grp_start))
                k->found(k->u, LEAK_PHONE, g, m);
        } else if (m >= 13 && m <= 19) {
            if (leak_valid_card(g, m))
                k->found(k->u, LEAK_CARD, g, m);
        }
    }
    s->grp_n = 0;
    s->grp_len = 0;
}

/* a token that may be one group of a spaced number */
static void group_token(leak_scan *s, const leak_sink *k, const char *t, size_t n, uint64_t pos)
{
    bool ok = n >= 1 && n <= 6;
    for (size_t i = 0; ok && i < n; i++) {
        char c = t[i];
        if (is_digit(c))
            continue;
        if (i == 0 && c == '+' && s->grp_n == 0)
            continue;
        if (i < 2 && c >= 'A' && c <= 'Z' && s->grp_n == 0 && n == 4)
            continue;
        ok = false;
    }
    bool follows = s->grp_n > 0 && pos == s->grp_end + 1 && s->grp_sep == ' ';
    if (!follows || !ok || s->grp_len + n > sizeof s->grp)
        group_flush(s, k);
    if (!ok)
        return;
    if (s->grp_n == 0)
        s->grp_start = pos;
    memcpy(s->grp + s->grp_len, t, n);
    s->grp_len = (uint8_t)(s->grp_len + n);
    s->grp_n++;
    s->grp_end = pos + n;
}

/* A complete token t[0..n) starting at absolute offset pos. */
static void process_token(leak_scan *s, const leak_sink *k, const char *t, size_t n, uint64_t pos)
{
    group_token(s, k, t, n, pos);
    /* e-BDS record: checked when its line ends (it must be 260 characters) */
    if (pos == s->line_start && n >= 25 && t[0] == 'B' && t[1] == '0' && (t[2] == '2' || t[2] == '4')) {
        memcpy(s->ebds_key, t, 25);
        s->ebds_pending = true;
        return;
    }
    const char *at = memchr(t, '@', n);
    if (at) {
        size_t a = 0, b = n;
        while (a < b && (t[a] == '.' || t[a] == '-' || t[a] == '+' || t[a] == '_' || t[a] == '%'))
            a++;
        while (b > a && (t[b - 1] == '.' || t[b - 1] == '-'))
            b--;
        if (leak_valid_email(t + a, b - a))
            k->found(k->u, LEAK_EMAIL, t + a, b - a);
        return;
    }
    size_t i = 0;
    while (i < n) {
        size_t j = i;
        while (j < n) {
            char c = t[j];
            if (c == '.' || c == '_' || c == '%')
                break;
            if (c == '+' && j > i)
                break;
            if (c == '-' && !(j > i && is_digit(t[j - 1]) && j + 1 < n && is_digit(t[j + 1])))
                break;
            j++;
        }
        process_part(s, k, t + i, j - i, pos + i);
        i = j + 1;
    }
}

static void end_line(leak_scan *s, const leak_sink *k, uint64_t nl_pos)
{
    uint64_t len = nl_pos - s->line_start;
    if (s->ebds_pending) {
        s->ebds_pending = false;
        if (len == 260 || (len == 261 && s->last_cr)) {
            const char *e = s->ebds_key;
            if (leak_valid_cnss_affil(e + 3, 7) && leak_valid_cnss(e + 16, 9)) {
                k->found(k->u, LEAK_EBDS, e, 25);
                k->found(k->u, LEAK_CNSS, e + 16, 9);
                k->found(k->u, LEAK_CNSS_AFFIL, e + 3, 7);
            }
        }
    }
    /* a CSV header: two or more context words as fields of the line */
    if (s->hdr_n >= 2) {
        int best = 0;
        for (int d = 1; d < 4; d++)
            if (s->fields[d] > s->fields[best])
                best = d;
        if (s->fields[best] > 0) {
            s->col_delim = (int8_t)best;
            memset(s->col_type, 0, sizeof s->col_type);
            for (int i = 0; i < s->hdr_n; i++) {
                uint16_t f = s->hdr[i].field[best];
                if (f < LEAK_COLS)
                    s->col_type[f] = (uint8_t)(s->hdr[i].type + 1);
            }
        }
    } else if (s->col_delim >= 0 && s->fields[s->col_delim] == 0 && len > 2) {
        s->col_delim = -1; /* a line that is not a row of the table */
    }
    s->hdr_n = 0;
    memset(s->fields, 0, sizeof s->fields);
    s->line_start = nl_pos + 1;
}

void leak_scan_buf(leak_scan *s, const leak_sink *k, const uint8_t *d, size_t n)
{
    size_t i = 0;
    uint64_t base = s->pos;
    /* complete a token cut by the previous buffer */
    if (s->tail_len || s->tail_skip) {
        while (i < n && cls[d[i]] == C_TOK)
            i++;
        if (!s->tail_skip) {
            if (s->tail_len + i <= LEAK_TAIL) {
                memcpy(s->tail + s->tail_len, d, i);
                s->tail_len = (uint16_t)(s->tail_len + i);
            } else {
                s->tail_skip = true;
            }
        }
        if (i == n) {
            s->pos += n;
            return;
        }
        if (!s->tail_skip)
            process_token(s, k, s->tail, s->tail_len, s->tail_start);
        s->tail_len = 0;
        s->tail_skip = false;
        s->grp_sep = (char)d[i];
    }
    while (i < n) {
        uint8_t c = cls[d[i]];
        if (c == C_TOK) {
            size_t st = i;
            while (i < n && cls[d[i]] == C_TOK)
                i++;
            if (i == n) {
                /* cut by the end of the buffer: keep it for the next one */
                s->tail_start = base + st;
                if (i - st <= LEAK_TAIL) {
                    memcpy(s->tail, d + st, i - st);
                    s->tail_len = (uint16_t)(i - st);
                } else {
                    s->tail_skip = true;
                }
                break;
            }
            if (i - st <= LEAK_TOKEN_MAX)
                process_token(s, k, (const char *)d + st, i - st, base + st);
            s->grp_sep = (char)d[i];
            continue;
        }
        if (c == C_DELIM) {
            s->fields[delim_index(d[i])]++;
        } else if (c == C_NL) {
            s->last_cr = i > 0 ? d[i - 1] == '\r' : s->last_cr;
            end_line(s, k, base + i);
        }
        i++;
    }
    if (n)
        s->last_cr = d[n - 1] == '\r';
    s->pos += n;
}

void leak_scan_finish(leak_scan *s, const leak_sink *k)
{
    if (s->tail_len && !s->tail_skip)
        process_token(s, k, s->tail, s->tail_len, s->tail_start);
    s->tail_len = 0;
    s->tail_skip = false;
    group_flush(s, k);
    s->ebds_pending = false;
}

/* ---- stateless counting ---- */

static void count_found(void *u, int type, const char *v, size_t n)
{
    (void)v;
    (void)n;
    uint32_t *counts = u;
    counts[type]++;
}

void leak_scan_counts(const uint8_t *d, size_t n, uint32_t counts[LEAK_N])
{
    leak_scan s;
    leak_scan_init(&s);
    leak_sink k = { count_found, counts };
    memset(counts, 0, LEAK_N * sizeof counts[0]);
    leak_scan_buf(&s, &k, d, n);
    if (n && d[n - 1] != '\n') {
        uint8_t nl = '\n';
        leak_scan_buf(&s, &k, &nl, 1);
    }
    leak_scan_finish(&s, &k);
}
