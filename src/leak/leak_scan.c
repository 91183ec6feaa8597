/* leak_scan.c -- the single-pass scanner (see leak.h and leak_int.h).
 *
 * The loop looks at each byte once: a 256-entry class table says whether it
 * belongs to a token ([A-Za-z0-9._%+-@]), is a CSV delimiter, or a line end.
 * A complete token is classified by process_token(); one cut by the end of
 * the buffer is kept in the state's tail and completed by the next buffer. */
#include "leak/leak_int.h"

#include <ctype.h>
#include <pthread.h>
#include <stdbool.h>
#include <string.h>

/* cls[]: the class in the low 2 bits, token flags above (see fb[]) */
enum { C_OTHER = 0, C_TOK = 1, C_DELIM = 2, C_NL = 3, C_MASK = 3 };

static uint8_t cls[256];
static uint8_t fb[256];   /* per-byte flags OR-ed over a token (F_*) */

enum { F_DIGIT = 1, F_PUNCT = 2, F_AT = 4, F_ALPHA = 8 };

static void init_keywords(void);

static void init_cls(void)
{
    init_keywords();
    for (int c = 0; c < 256; c++) {
        uint8_t k = C_OTHER;
        if ((c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '.' || c == '_' ||
            c == '%' || c == '+' || c == '-' || c == '@')
            k = C_TOK;
        else if (c == ';' || c == ',' || c == '\t' || c == '|')
            k = C_DELIM;
        else if (c == '\n')
            k = C_NL;
        bool alpha = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
        fb[c] = (uint8_t)((c >= '0' && c <= '9') ? F_DIGIT : c == '@' ? F_AT : alpha ? F_ALPHA :
                          k == C_TOK ? F_PUNCT : 0);
        cls[c] = (uint8_t)(k | fb[c] << 2);
    }
}

static uint8_t trig[256];
static void init_trig(void);

static void init_tables(void)
{
    init_cls();
    init_trig();
}

void leak_scan_init(leak_scan *s)
{
    /* the tables are built once, whichever worker thread comes first */
    static pthread_once_t once = PTHREAD_ONCE_INIT;
    pthread_once(&once, init_tables);
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

#define NKW (sizeof keywords / sizeof keywords[0])
#define KW_SLOTS 512
static int8_t kw_slot[KW_SLOTS]; /* keyword index + 1, open addressing on (length, first, last) */

static unsigned kw_hash(size_t n, uint8_t first, uint8_t last)
{
    return ((unsigned)n * 37u + (unsigned)(first | 0x20) * 11u + (unsigned)(last | 0x20)) & (KW_SLOTS - 1);
}

static void init_keywords(void)
{
    for (size_t i = 0; i < NKW; i++) {
        size_t n = strlen(keywords[i].w);
        unsigned h = kw_hash(n, (uint8_t)keywords[i].w[0], (uint8_t)keywords[i].w[n - 1]);
        while (kw_slot[h])
            h = (h + 1) & (KW_SLOTS - 1);
        kw_slot[h] = (int8_t)(i + 1);
    }
}

/* the type a context word stands for, or -1; one probe rejects most words */
static int keyword(const char *p, size_t n)
{
    if (n < 3 || n > 15)
        return -1;
    for (unsigned h = kw_hash(n, (uint8_t)p[0], (uint8_t)p[n - 1]); kw_slot[h]; h = (h + 1) & (KW_SLOTS - 1)) {
        const char *w = keywords[kw_slot[h] - 1].w;
        size_t i = 0;
        while (i < n && w[i] == (p[i] | 0x20))
            i++;
        if (i == n && w[n] == '\0')
            return keywords[kw_slot[h] - 1].t;
    }
    return -1;
}

static void saw_keyword(leak_scan *s, int t, uint64_t end)
{
    s->kw_end[t] = end + 1; /* 0 = never */
}

static bool is_letter(uint8_t c)
{
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
}

/* The stream byte at absolute offset x, from the current buffer or the
 * history before it; -1 when no longer held. */
static int byte_at(const leak_scan *s, uint64_t x)
{
    if (x >= s->cur_base)
        return x - s->cur_base < s->cur_len ? s->cur[x - s->cur_base] : -1;
    uint64_t back = s->cur_base - x;
    if (back > s->hist_len)
        return -1;
    return (uint8_t)s->hist[s->hist_len - back];
}

/* A context word of type t ends at most LEAK_NEAR bytes before pos: the
 * words of that window are looked up only when a candidate needs them. */
static bool near_word(const leak_scan *s, int t, uint64_t pos)
{
    if (pos >= s->cur_base + LEAK_NEAR && pos <= s->cur_base + s->cur_len) {
        /* the window is in the buffer: words from the nearest back */
        const uint8_t *lo = s->cur + (pos - s->cur_base) - LEAK_NEAR, *p = s->cur + (pos - s->cur_base);
        while (p > lo) {
            while (p > lo && !is_letter(p[-1]))
                p--;
            const uint8_t *e = p;
            while (p > lo && is_letter(p[-1]))
                p--;
            /* only whole words: one cut by the window's start is not read */
            bool whole = p > lo || (p > s->cur ? !is_letter(p[-1]) : byte_at(s, s->cur_base - 1) < 0 ||
                                    !is_letter((uint8_t)byte_at(s, s->cur_base - 1)));
            if (e > p && whole && keyword((const char *)p, (size_t)(e - p)) == t)
                return true;
        }
        return false;
    }
    uint64_t from = pos > LEAK_NEAR ? pos - LEAK_NEAR : 0;
    char w[16];
    size_t wl = 0;
    /* a word cut by the window's start is not read (as in the fast path) */
    int before = from > 0 ? byte_at(s, from - 1) : -1;
    bool over = before >= 0 && is_letter((uint8_t)before);
    for (uint64_t x = from; x <= pos; x++) {
        int c = x < pos ? byte_at(s, x) : -1;
        if (c >= 0 && is_letter((uint8_t)c)) {
            if (wl < sizeof w)
                w[wl++] = (char)c;
            else
                over = true;
            continue;
        }
        if (wl && !over && keyword(w, wl) == t)
            return true;
        wl = 0;
        over = false;
    }
    return false;
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
    return near_word(s, t, pos);
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
    bool folded = false;
    if (s->fold_case) /* a DNS name: case carries no meaning, CIN and IBAN are upper-case */
        for (size_t i = 0; i < m; i++)
            if (c[i] >= 'a' && c[i] <= 'z') {
                c[i] = (char)(c[i] - 32);
                folded = true;
            }
    /* short lower-case labels ("q12", "ns1", "s3") are host names, not CINs */
    if (folded && digits < 4 && lead_letters <= 2 && m - lead_letters == digits)
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
            if (leak_valid_phone(g, m) && s->grp_ctx)
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
    /* the context of a spaced national phone number is read now, while the
     * bytes before the group are surely held: its flush can come much later
     * (at the next digit token), when a chunked feed no longer has them */
    if (s->grp_n == 2 && is_digit(s->grp[0]))
        s->grp_ctx = has_ctx(s, LEAK_PHONE, s->grp_start);
}

/* A complete token t[0..n) starting at absolute offset pos; fl: the OR of
 * its bytes' F_* flags. */
static void process_token(leak_scan *s, const leak_sink *k, const char *t, size_t n, uint64_t pos, unsigned fl)
{
    if (!(fl & (F_DIGIT | F_AT)))
        return; /* words: context is looked up when a candidate needs it */
    s->line_digits = true;
    group_token(s, k, t, n, pos);
    if (n < 5)
        return; /* a group of a spaced number at most (see token_at) */
    /* e-BDS record: checked when its line ends (it must be 260 characters) */
    if (pos == s->line_start && n >= 25 && t[0] == 'B' && t[1] == '0' && (t[2] == '2' || t[2] == '4')) {
        memcpy(s->ebds_key, t, 25);
        s->ebds_pending = true;
        return;
    }
    if (fl == F_DIGIT) {
        numeric(s, k, t, n, pos); /* the common case of tables: a bare number */
        return;
    }
    if (fl & F_AT) {
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

static unsigned token_flags(const char *t, size_t n)
{
    unsigned fl = 0;
    for (size_t i = 0; i < n; i++)
        fl |= fb[(uint8_t)t[i]];
    return fl;
}

/* The line [line_start, nl) as a table header with delimiter index best:
 * true (and the column map set) when 2+ of its words are context words. */
static bool header_line(leak_scan *s, int best, uint64_t nl)
{
    static const char delims[4] = { ';', ',', '\t', '|' };
    struct { uint8_t type; uint16_t field; } hdr[LEAK_HDR_MAX];
    int nh = 0;
    uint16_t field = 0;
    char w[16];
    size_t wl = 0;
    bool over = false;
    for (uint64_t x = s->line_start; x <= nl; x++) {
        int c;
        if (x == nl)
            c = '\n';
        else if (x >= s->cur_base)
            c = s->cur[x - s->cur_base];
        else if (x - s->line_start < s->lh_len)
            c = (uint8_t)s->lh[x - s->line_start];
        else
            return false;
        if (is_letter((uint8_t)c)) {
            if (wl < sizeof w)
                w[wl++] = (char)c;
            else
                over = true;
            continue;
        }
        if (c < 0x20 && c != '\t' && c != '\r' && c != '\n')
            return false; /* binary */
        if (wl && !over && nh < LEAK_HDR_MAX) {
            int t = keyword(w, wl);
            if (t >= 0) {
                hdr[nh].type = (uint8_t)t;
                hdr[nh].field = field;
                nh++;
            }
        }
        wl = 0;
        over = false;
        if (c == delims[best])
            field++;
    }
    if (nh < 2)
        return false;
    s->col_delim = (int8_t)best;
    memset(s->col_type, 0, sizeof s->col_type);
    for (int i = 0; i < nh; i++)
        if (hdr[i].field < LEAK_COLS)
            s->col_type[hdr[i].field] = (uint8_t)(hdr[i].type + 1);
    return true;
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
    int best = 0;
    for (int d = 1; d < 4; d++)
        if (s->fields[d] > s->fields[best])
            best = d;
    /* a CSV header: a short line without digits, two or more context words as
     * fields; only such lines are cut into words */
    if (s->fields[best] > 0 && !s->line_digits && len <= LEAK_LINE_MAX && !s->lh_over && header_line(s, best, nl_pos))
        ;
    else if (s->col_delim >= 0 && s->fields[s->col_delim] == 0 && len > 2)
        s->col_delim = -1; /* a line that is not a row of the table */
    memset(s->fields, 0, sizeof s->fields);
    s->line_digits = false;
    s->line_start = nl_pos + 1;
    s->lh_len = 0;
    s->lh_over = false;
}

/* The token around the trigger byte at index t of d: processed when it ends
 * inside the buffer; returns the index just after it (n when it reaches the
 * end: it is then the tail, see tail_keep). lo: no token starts before it. */
static size_t token_at(leak_scan *s, const leak_sink *k, const uint8_t *d, size_t n, size_t t, size_t lo)
{
    size_t a = t, b = t;
    s->line_digits = true; /* such a line is no table header */
    unsigned fl = 0, x;
    while (a > lo && ((x = cls[d[a - 1]]) & C_MASK) == C_TOK) {
        fl |= x;
        a--;
    }
    while (b < n && ((x = cls[d[b]]) & C_MASK) == C_TOK) {
        fl |= x;
        b++;
    }
    if (b == n)
        return n;
    /* a token under 5 bytes is no identifier; it matters only as a group of a
     * spaced number (followed by a space, or right after the pending group) */
    if (b - a < 5 && d[b] != ' ' && !(s->grp_n && s->cur_base + a == s->grp_end + 1)) {
        if (s->grp_n)
            group_flush(s, k); /* as group_token would: the group ended */
        return b;
    }
    if (b - a <= LEAK_TOKEN_MAX)
        process_token(s, k, (const char *)d + a, b - a, s->cur_base + a, fl >> 2);
    s->grp_sep = (char)d[b];
    return b;
}

/* a delimiter or a line end at index i */
static void structural(leak_scan *s, const leak_sink *k, const uint8_t *d, size_t i)
{
    uint8_t c = cls[d[i]] & C_MASK;
    if (c == C_DELIM) {
        s->fields[delim_index(d[i])]++;
    } else if (c == C_NL) {
        s->last_cr = i > 0 ? d[i - 1] == '\r' : s->last_cr;
        end_line(s, k, s->cur_base + i);
    }
}

/* Bytes that need a look: digits and '@' (identifiers), CSV delimiters and
 * line ends (tables, e-BDS records). Everything else is skipped 16 bytes at
 * a time; words are read only around a candidate (context) or on a short
 * digit-free line (a table header). */
static void init_trig(void)
{
    for (int c = '0'; c <= '9'; c++)
        trig[c] = 1;
    trig['@'] = trig[';'] = trig[','] = trig['\t'] = trig['|'] = trig['\n'] = 1;
}

#if defined(__SSE2__)
#include <emmintrin.h>
static inline unsigned trig_mask16(const uint8_t *p)
{
    __m128i v = _mm_loadu_si128((const __m128i *)p);
    /* digits: (v - '0') as unsigned < 10 */
    __m128i dg = _mm_sub_epi8(v, _mm_set1_epi8('0'));
    __m128i isd = _mm_cmpeq_epi8(_mm_min_epu8(dg, _mm_set1_epi8(9)), dg);
    __m128i m = _mm_or_si128(isd, _mm_cmpeq_epi8(v, _mm_set1_epi8('@')));
    m = _mm_or_si128(m, _mm_cmpeq_epi8(v, _mm_set1_epi8(';')));
    m = _mm_or_si128(m, _mm_cmpeq_epi8(v, _mm_set1_epi8(',')));
    m = _mm_or_si128(m, _mm_cmpeq_epi8(v, _mm_set1_epi8('\t')));
    m = _mm_or_si128(m, _mm_cmpeq_epi8(v, _mm_set1_epi8('|')));
    m = _mm_or_si128(m, _mm_cmpeq_epi8(v, _mm_set1_epi8('\n')));
    return (unsigned)_mm_movemask_epi8(m);
}

/* Bit mask of the control bytes other than TAB, LF, CR in 16 bytes. Text
 * (ASCII or UTF-8) has none; binary content has about one in nine bytes. */
static inline unsigned ctl_mask16(const uint8_t *p)
{
    __m128i v = _mm_loadu_si128((const __m128i *)p);
    __m128i c = _mm_cmpeq_epi8(_mm_min_epu8(v, _mm_set1_epi8(0x1f)), v);
    __m128i ok = _mm_or_si128(_mm_cmpeq_epi8(v, _mm_set1_epi8('\t')),
                              _mm_or_si128(_mm_cmpeq_epi8(v, _mm_set1_epi8('\n')),
                                           _mm_cmpeq_epi8(v, _mm_set1_epi8('\r'))));
    return (unsigned)_mm_movemask_epi8(_mm_andnot_si128(ok, c));
}

/* 2 or more control bytes in the 64 bytes at p */
static inline bool binary64(const uint8_t *p)
{
    unsigned a = ctl_mask16(p), b = ctl_mask16(p + 16), c = ctl_mask16(p + 32), d = ctl_mask16(p + 48);
    if (!(a | b | c | d))
        return false;
    int nz = (a != 0) + (b != 0) + (c != 0) + (d != 0);
    return nz >= 2 || (a & (a - 1)) || (b & (b - 1)) || (c & (c - 1)) || (d & (d - 1));
}
#endif

void leak_scan_buf(leak_scan *s, const leak_sink *k, const uint8_t *d, size_t n)
{
    size_t i = 0;
    s->cur = d;
    s->cur_base = s->pos;
    s->cur_len = n;
    /* complete a token cut by the previous buffer */
    if (s->tail_len || s->tail_skip) {
        unsigned fl = 0, x;
        while (i < n && ((x = cls[d[i]]) & C_MASK) == C_TOK) {
            fl |= x;
            i++;
        }
        if ((fl >> 2) & (F_DIGIT | F_AT))
            s->line_digits = true; /* as token_at does for a trigger */
        if (!s->tail_skip) {
            if (s->tail_len + i <= LEAK_TAIL) {
                memcpy(s->tail + s->tail_len, d, i);
                s->tail_len = (uint16_t)(s->tail_len + i);
            } else {
                s->tail_skip = true;
            }
        }
        if (i == n)
            goto done;
        /* a token without digits or '@' holds no trigger byte: token_at
         * never looks at one, so neither does its completion here */
        if (!s->tail_skip && (token_flags(s->tail, s->tail_len) & (F_DIGIT | F_AT))) {
            /* the same rule as token_at: a token under 5 bytes matters only as a
             * group of a spaced number (so the result does not depend on where
             * the buffers were cut) */
            if (s->tail_len < 5 && d[i] != ' ' && !(s->grp_n && s->tail_start == s->grp_end + 1)) {
                if (s->grp_n)
                    group_flush(s, k);
            } else {
                process_token(s, k, s->tail, s->tail_len, s->tail_start, token_flags(s->tail, s->tail_len));
            }
        }
        s->tail_len = 0;
        s->tail_skip = false;
        s->grp_sep = (char)d[i];
    }
    /* left of lo no token is pending: d[lo - 1] is not a token byte */
    size_t lo = i, skip = i, t = i;
#if defined(__SSE2__)
    size_t blk = i;
    for (; blk + 16 <= n; blk += 16) {
        /* a 64-byte window with 2+ control bytes is binary: skipped (docs/leak.md) */
        if (((blk - i) & 63) == 0 && blk + 64 <= n && binary64(d + blk)) {
            s->binary_skipped += 64;
            blk += 48;
            continue;
        }
        unsigned m = trig_mask16(d + blk);
        while (m) {
            t = blk + (size_t)__builtin_ctz(m);
            m &= m - 1;
            if (t < skip)
                continue;
            if ((cls[d[t]] & C_MASK) == C_TOK) {
                skip = token_at(s, k, d, n, t, lo);
                if (skip == n)
                    goto tail;
            } else {
                structural(s, k, d, t);
                skip = t + 1;
            }
        }
    }
    t = blk > skip ? blk : skip;
#else
    t = skip;
#endif
    for (; t < n; t++) {
        if (!trig[d[t]] || t < skip)
            continue;
        if ((cls[d[t]] & C_MASK) == C_TOK) {
            skip = token_at(s, k, d, n, t, lo);
            if (skip == n)
                break;
            t = skip - 1;
        } else {
            structural(s, k, d, t);
            skip = t + 1;
        }
    }
tail:
    /* a token touching the end of the buffer waits for the next one */
    if (n > lo && (cls[d[n - 1]] & C_MASK) == C_TOK) {
        size_t a = n - 1;
        while (a > lo && (cls[d[a - 1]] & C_MASK) == C_TOK && n - a <= LEAK_TAIL)
            a--;
        s->tail_start = s->cur_base + a;
        if (n - a <= LEAK_TAIL && !(a > lo && (cls[d[a - 1]] & C_MASK) == C_TOK)) {
            memcpy(s->tail, d + a, n - a);
            s->tail_len = (uint16_t)(n - a);
        } else {
            s->tail_skip = true;
        }
    }
done:
    /* keep what context look-backs and header lines need of this buffer */
    if (n >= LEAK_HIST) {
        memcpy(s->hist, d + n - LEAK_HIST, LEAK_HIST);
        s->hist_len = LEAK_HIST;
    } else if (n) {
        size_t keep = s->hist_len + n > LEAK_HIST ? LEAK_HIST - n : s->hist_len;
        memmove(s->hist, s->hist + s->hist_len - keep, keep);
        memcpy(s->hist + keep, d, n);
        s->hist_len = (uint16_t)(keep + n);
    }
    if (!s->lh_over) {
        uint64_t from = s->line_start > s->cur_base ? s->line_start - s->cur_base : 0;
        if (from < n) {
            size_t take = n - (size_t)from;
            if (s->lh_len + take > LEAK_LINE_MAX) {
                s->lh_over = true;
            } else {
                memcpy(s->lh + s->lh_len, d + from, take);
                s->lh_len = (uint16_t)(s->lh_len + take);
            }
        }
    }
    if (n)
        s->last_cr = d[n - 1] == '\r';
    s->pos += n;
    s->cur = NULL;
    s->cur_len = 0;
}


void leak_scan_finish(leak_scan *s, const leak_sink *k)
{
    if (s->tail_len && !s->tail_skip)
        process_token(s, k, s->tail, s->tail_len, s->tail_start, token_flags(s->tail, s->tail_len));
    s->tail_len = 0;
    s->tail_skip = false;
    group_flush(s, k);
    s->ebds_pending = false;
}

void leak_scan_gap(leak_scan *s, const leak_sink *k, size_t n)
{
    leak_scan_finish(s, k);
    s->pos += n;
    s->line_start = s->pos;
    memset(s->fields, 0, sizeof s->fields);
    s->line_digits = false;
    s->lh_len = 0;
    s->lh_over = false;
    s->hist_len = 0;
}

bool leak_looks_binary(const uint8_t *d, size_t n)
{
    size_t m = n < 256 ? n : 256;
    int ctl = 0;
    const uint64_t ones = 0x0101010101010101ull, highs = 0x8080808080808080ull;
    for (size_t i = 0; i < m; i++) {
        if ((i & 7) == 0 && m - i >= 8) {
            /* text has no byte below 0x20 in most words: skip those whole */
            uint64_t w;
            memcpy(&w, d + i, 8);
            if ((((w - ones * 0x20) & ~w) & highs) == 0) {
                i += 7;
                continue;
            }
        }
        if (d[i] < 0x20 && d[i] != '\t' && d[i] != '\n' && d[i] != '\r' && ++ctl >= 4)
            return true;
    }
    return false;
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

/* ---------------------------------------------------------------- redaction */

#define REDACT_STACK 16 /* identifiers held without allocating; more go to the heap */

typedef struct redact_id { char v[40]; uint8_t len; } redact_id;
typedef struct redact_found {
    size_t n, cap;
    redact_id *id;            /* stack, or the heap once more were found */
    redact_id stack[REDACT_STACK];
    bool oom;                 /* an identifier could not be kept: mask every digit run */
} redact_found;

static void redact_collect(void *u, int type, const char *v, size_t n)
{
    (void)type;
    redact_found *r = u;
    if (!n || n >= sizeof r->id[0].v)
        return;
    if (r->n == r->cap) {
        /* a payload may hold many (a CSV export: several per line) */
        size_t cap = r->cap * 2;
        redact_id *m = r->id == r->stack ? malloc(cap * sizeof *m) : realloc(r->id, cap * sizeof *m);
        if (!m) {
            r->oom = true;
            return;
        }
        if (r->id == r->stack)
            memcpy(m, r->stack, sizeof r->stack);
        r->id = m;
        r->cap = cap;
    }
    memcpy(r->id[r->n].v, v, n);
    r->id[r->n++].len = (uint8_t)n;
}

size_t leak_redact_payload(const uint8_t *s, size_t n, uint8_t *out)
{
    if (!leak_redact_into((const char *)s, n, (char *)out, n + 1))
        memcpy(out, s, n);
    out[n] = 0;
    size_t changed = 0;
    for (size_t i = 0; i < n; i++) {
        size_t j = i;
        while (j < n && (unsigned)(out[j] - '0') < 10u)
            j++;
        if (j - i >= 5)
            for (size_t m = i + 2; m + 2 < j; m++, changed++)
                out[m] = '*';
        i = j;
    }
    /* CIN-shaped tokens (1-2 capitals, 1-6 digits, alone between
     * non-alphanumerics): all digits but the last */
    for (size_t i = 0; i < n; i++) {
        if (i > 0 && isalnum(out[i - 1]))
            continue;
        size_t l = i;
        while (l < n && l - i < 3 && out[l] >= 'A' && out[l] <= 'Z')
            l++;
        size_t d = l;
        while (d < n && d - l < 7 && ((unsigned)(out[d] - '0') < 10u || out[d] == '*'))
            d++;
        if (l == i || l - i > 2 || d == l || d - l > 6 || (d < n && isalnum(out[d])))
            continue;
        for (size_t m = l; m + 1 < d; m++, changed++)
            out[m] = '*';
        i = d;
    }
    for (size_t i = 0; i < n && !changed; i++)
        changed += out[i] != s[i];
    return changed;
}

/* Mask in out every run of digits of s that holds the last 8 digits of the
 * identifier v (2 kept at each end); false when there is none. */
static bool redact_digit_run(const char *s, char *out, size_t n, const char *v, size_t vl)
{
    char tail[8];
    size_t t = 0;
    for (size_t i = vl; i-- > 0 && t < sizeof tail;)
        if ((unsigned)(v[i] - '0') < 10u)
            tail[sizeof tail - 1 - t++] = v[i];
    if (t < sizeof tail)
        return false;
    bool hit = false;
    for (const char *p = s; (p = memmem(p, (size_t)(s + n - p), tail, sizeof tail)) != NULL; p += sizeof tail) {
        size_t a = (size_t)(p - s), b = a + sizeof tail;
        while (a > 0 && (unsigned)(s[a - 1] - '0') < 10u)
            a--;
        while (b < n && (unsigned)(s[b] - '0') < 10u)
            b++;
        for (size_t j = a + 2; j + 2 < b; j++)
            out[j] = '*';
        hit = true;
    }
    return hit;
}

size_t leak_redact_into(const char *s, size_t n, char *out, size_t cap)
{
    /* most strings hold no identifier: no 5 digits and no '@' */
    size_t digits = 0;
    bool at = false;
    for (size_t i = 0; i < n; i++) {
        digits += (unsigned)(s[i] - '0') < 10u;
        at |= s[i] == '@';
    }
    if ((digits < 5 && !at) || n >= cap)
        return 0;
    redact_found r;
    r.n = 0;
    r.cap = REDACT_STACK;
    r.id = r.stack;
    r.oom = false;
    leak_scan sc;
    leak_scan_init(&sc);
    leak_sink k = { redact_collect, &r };
    leak_scan_buf(&sc, &k, (const uint8_t *)s, n);
    uint8_t nl = '\n';
    leak_scan_buf(&sc, &k, &nl, 1);
    leak_scan_finish(&sc, &k);
    if (!r.n && !r.oom)
        return 0;
    memcpy(out, s, n);
    out[n] = 0;
    /* each identifier where it stands in the text (searched in s, so that a
     * repeated one is found again though already masked in out); one the
     * scanner normalised (a phone's +212 for its leading 0) by the run of
     * digits holding its last 8; failing both, or when not all could be kept,
     * every run of digits loses all but its last two */
    bool fallback = r.oom;
    for (size_t i = 0; i < r.n && !r.oom; i++) {
        size_t vl = r.id[i].len;
        bool hit = false;
        for (const char *p = s; (p = memmem(p, (size_t)(s + n - p), r.id[i].v, vl)) != NULL; p += vl) {
            size_t keep = vl > 8 ? 2 : 1;
            for (size_t j = keep; j + keep < vl; j++)
                out[(size_t)(p - s) + j] = '*';
            hit = true;
        }
        if (!hit)
            hit = redact_digit_run(s, out, n, r.id[i].v, vl);
        fallback |= !hit;
    }
    if (r.id != r.stack)
        free(r.id);
    if (fallback) {
        for (size_t i = 0; i < n; i++) {
            size_t j = i;
            while (j < n && (unsigned)(out[j] - '0') < 10u)
                j++;
            for (size_t m = i; m + 2 < j; m++)
                out[m] = '*';
            i = j;
        }
    }
    return n;
}
