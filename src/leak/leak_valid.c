/* leak_valid.c -- the validators and the masking helpers (see leak.h).
 * Every function is pure and bounded by its input length. */
#include "leak/leak.h"

#include <pthread.h>
#include <string.h>

static const char *const type_names[LEAK_N] = {
    "cin", "cnss", "cnss_affiliation", "rib", "iban", "ice", "card", "email", "phone", "ebds_record",
};

const char *leak_type_name(int t)
{
    return t >= 0 && t < LEAK_N ? type_names[t] : NULL;
}

int leak_type_from_name(const char *s, size_t n)
{
    for (int i = 0; i < LEAK_N; i++)
        if (strlen(type_names[i]) == n && memcmp(type_names[i], s, n) == 0)
            return i;
    return -1;
}

static bool all_digits(const char *s, size_t n)
{
    for (size_t i = 0; i < n; i++)
        if (s[i] < '0' || s[i] > '9')
            return false;
    return n > 0;
}

static bool all_same(const char *s, size_t n)
{
    for (size_t i = 1; i < n; i++)
        if (s[i] != s[0])
            return false;
    return true;
}

/* decimal string mod 97, 15 digits at a time (fits in 64 bits with the carry) */
static unsigned mod97_digits(const char *s, size_t n)
{
    uint64_t r = 0;
    size_t i = 0;
    while (i < n) {
        size_t k = n - i < 15 ? n - i : 15;
        uint64_t p = 1, v = 0;
        for (size_t j = 0; j < k; j++) {
            v = v * 10 + (uint64_t)(s[i + j] - '0');
            p *= 10;
        }
        r = (r * (p % 97) + v) % 97;
        i += k;
    }
    return (unsigned)r;
}

bool leak_valid_rib(const char *s, size_t n)
{
    /* bank 3 + city 3 + account 16 + key 2; key = 97 - (first22 * 100 mod 97), 01..97 */
    return n == 24 && all_digits(s, n) && !all_same(s, n) && mod97_digits(s, n) == 0;
}

bool leak_valid_ice(const char *s, size_t n)
{
    return n == 15 && all_digits(s, n) && !all_same(s, n) && mod97_digits(s, n) == 0;
}

/* CNSS e-BDS key digits (identifiers.md): weights 2 on even positions */
bool leak_valid_cnss(const char *s, size_t n)
{
    if (n != 9 || !all_digits(s, n) || s[0] != '1')
        return false;
    if (memcmp(s, "000000000", 9) == 0 || memcmp(s, "999999999", 9) == 0)
        return false;
    int d[9];
    for (int i = 0; i < 9; i++)
        d[i] = s[i] - '0';
    int sum = 2 * (d[1] + d[3] + d[5] + d[7]) + d[2] + d[4] + d[6];
    return d[8] == (10 - sum % 10) % 10;
}

bool leak_valid_cnss_affil(const char *s, size_t n)
{
    if (n != 7 || !all_digits(s, n) || all_same(s, n))
        return false;
    int d[7];
    for (int i = 0; i < 7; i++)
        d[i] = s[i] - '0';
    int sum = 2 * (d[1] + d[3] + d[5]) + d[0] + d[2] + d[4];
    return d[6] == (10 - sum % 10) % 10;
}

/* ISO 13616 lengths per country (SWIFT IBAN registry) */
static const struct { char cc[3]; uint8_t len; } iban_len[] = {
    {"AD",24},{"AE",23},{"AL",28},{"AT",20},{"AZ",28},{"BA",20},{"BE",16},{"BG",22},{"BH",22},{"BI",27},
    {"BR",29},{"BY",28},{"CH",21},{"CR",22},{"CY",28},{"CZ",24},{"DE",22},{"DJ",27},{"DK",18},{"DO",28},
    {"DZ",26},{"EE",20},{"EG",29},{"ES",24},{"FI",18},{"FO",18},{"FR",27},{"GB",22},{"GE",22},{"GI",23},
    {"GL",18},{"GR",27},{"GT",28},{"HR",21},{"HU",28},{"IE",22},{"IL",23},{"IQ",23},{"IS",26},{"IT",27},
    {"JO",30},{"KW",30},{"KZ",20},{"LB",28},{"LC",32},{"LI",21},{"LT",20},{"LU",20},{"LV",21},{"LY",25},
    {"MA",28},{"MC",27},{"MD",24},{"ME",22},{"MK",19},{"MR",27},{"MT",31},{"MU",30},{"NL",18},{"NO",15},
    {"PK",24},{"PL",28},{"PS",29},{"PT",25},{"QA",29},{"RO",24},{"RS",22},{"SA",24},{"SC",31},{"SD",18},
    {"SE",24},{"SI",19},{"SK",24},{"SM",27},{"SN",28},{"ST",25},{"SV",28},{"TL",23},{"TN",24},{"TR",26},
    {"UA",29},{"VA",22},{"VG",24},{"XK",20},
};

static uint8_t iban_len_of[26][26]; /* by country letters; 0 = no IBAN */

static void build_iban_len(void)
{
    for (size_t i = 0; i < sizeof iban_len / sizeof iban_len[0]; i++)
        iban_len_of[iban_len[i].cc[0] - 'A'][iban_len[i].cc[1] - 'A'] = iban_len[i].len;
}

bool leak_valid_iban(const char *s, size_t n)
{
    if (n < 15 || n > 34)
        return false;
    if (s[0] < 'A' || s[0] > 'Z' || s[1] < 'A' || s[1] > 'Z' || s[2] < '0' || s[2] > '9' || s[3] < '0' ||
        s[3] > '9')
        return false;
    static pthread_once_t once = PTHREAD_ONCE_INIT;
    pthread_once(&once, build_iban_len);
    if (iban_len_of[s[0] - 'A'][s[1] - 'A'] != n)
        return false;
    if (s[0] == 'M' && s[1] == 'A' && !all_digits(s + 4, n - 4))
        return false; /* the Moroccan BBAN is the 24-digit RIB */
    /* move the first four characters to the end, letters as 10..35, mod 97
     * (reduced only when the accumulator could overflow) */
    uint64_t r = 0;
    for (size_t k = 0; k < n; k++) {
        char c = s[(k + 4) % n];
        if (c >= '0' && c <= '9') {
            r = r * 10 + (uint64_t)(c - '0');
        } else if (c >= 'A' && c <= 'Z') {
            r = r * 100 + (uint64_t)(c - 'A' + 10);
        } else {
            return false;
        }
        if (r >= 100000000000000ULL)
            r %= 97;
    }
    return r % 97 == 1;
}

static bool luhn(const char *s, size_t n)
{
    unsigned sum = 0;
    bool dbl = false;
    for (size_t i = n; i-- > 0;) {
        unsigned d = (unsigned)(s[i] - '0');
        if (dbl) {
            d *= 2;
            if (d > 9)
                d -= 9;
        }
        sum += d;
        dbl = !dbl;
    }
    return sum % 10 == 0;
}

static unsigned prefix_num(const char *s, int k)
{
    unsigned v = 0;
    for (int i = 0; i < k; i++)
        v = v * 10 + (unsigned)(s[i] - '0');
    return v;
}

/* issuer ranges and the lengths each issues */
static bool card_iin(const char *s, size_t n)
{
    unsigned p1 = prefix_num(s, 1), p2 = prefix_num(s, 2), p3 = prefix_num(s, 3), p4 = prefix_num(s, 4);
    unsigned p6 = prefix_num(s, 6);
    if (p1 == 4)                                      /* Visa */
        return n == 13 || n == 16 || n == 19;
    if ((p2 >= 51 && p2 <= 55) || (p4 >= 2221 && p4 <= 2720)) /* Mastercard */
        return n == 16;
    if (p2 == 34 || p2 == 37)                         /* American Express */
        return n == 15;
    if (p4 == 6011 || p2 == 65 || (p3 >= 644 && p3 <= 649)) /* Discover */
        return n >= 16 && n <= 19;
    if (p2 == 62)                                     /* UnionPay */
        return n >= 16 && n <= 19;
    if (p4 >= 3528 && p4 <= 3589)                     /* JCB */
        return n >= 16 && n <= 19;
    if (p3 >= 300 && p3 <= 305)                       /* Diners Club International */
        return n >= 14 && n <= 19;
    if (p2 == 36 || p2 == 38 || p2 == 39)             /* Diners */
        return n >= 14 && n <= 19;
    if (p4 == 5018 || p4 == 5020 || p4 == 5038 || p4 == 5893 || p4 == 6304 || p4 == 6759 ||
        p4 == 6761 || p4 == 6762 || p4 == 6763)       /* Maestro */
        return n >= 12 && n <= 19;
    (void)p6;
    return false;
}

bool leak_valid_card(const char *s, size_t n)
{
    if (n < 13 || n > 19 || !all_digits(s, n) || all_same(s, n))
        return false;
    return card_iin(s, n) && luhn(s, n);
}

static bool is_alnum(char c)
{
    return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
}

bool leak_valid_email(const char *s, size_t n)
{
    if (n < 6 || n > 254)
        return false;
    const char *at = memchr(s, '@', n);
    if (!at)
        return false;
    size_t ll = (size_t)(at - s), dl = n - ll - 1;
    if (ll == 0 || ll > 64 || dl < 4)
        return false;
    for (size_t i = 0; i < ll; i++) {
        char c = s[i];
        if (!is_alnum(c) && c != '.' && c != '_' && c != '%' && c != '+' && c != '-')
            return false;
    }
    if (s[0] == '.' || s[ll - 1] == '.')
        return false;
    const char *d = at + 1;
    size_t dots = 0, label = 0, last_dot = 0;
    for (size_t i = 0; i < dl; i++) {
        char c = d[i];
        if (c == '.') {
            if (label == 0)
                return false;
            dots++;
            label = 0;
            last_dot = i;
        } else if (is_alnum(c) || c == '-') {
            label++;
            if (label > 63)
                return false;
        } else {
            return false;
        }
    }
    if (dots == 0 || label < 2)
        return false;
    /* the top-level label is letters only */
    for (size_t i = last_dot + 1; i < dl; i++)
        if (!((d[i] >= 'a' && d[i] <= 'z') || (d[i] >= 'A' && d[i] <= 'Z')))
            return false;
    return true;
}

bool leak_valid_phone(const char *s, size_t n)
{
    const char *rest;
    if (n == 13 && s[0] == '+' && memcmp(s + 1, "212", 3) == 0)
        rest = s + 4;
    else if (n == 14 && memcmp(s, "00212", 5) == 0)
        rest = s + 5;
    else if (n == 10 && s[0] == '0')
        rest = s + 1;
    else
        return false;
    if (!all_digits(rest, 9) || rest[0] < '5' || rest[0] > '8')
        return false;
    return !all_same(rest + 1, 8);
}

bool leak_valid_cin_shape(const char *s, size_t n)
{
    size_t l = 0;
    while (l < n && l < 3 && s[l] >= 'A' && s[l] <= 'Z')
        l++;
    if (l < 1 || l > 2)
        return false;
    size_t dn = n - l;
    return dn >= 1 && dn <= 6 && all_digits(s + l, dn);
}

bool leak_valid_ebds(const char *s, size_t n)
{
    if (n != 260 || s[0] != 'B' || s[1] != '0' || (s[2] != '2' && s[2] != '4'))
        return false;
    return leak_valid_cnss_affil(s + 3, 7) && all_digits(s + 10, 6) && leak_valid_cnss(s + 16, 9);
}

void leak_mask(const char *s, size_t n, char *out, size_t outcap)
{
    if (outcap == 0)
        return;
    size_t keep = n > 8 ? 2 : n > 4 ? 1 : 0;
    size_t stars = n - 2 * keep;
    if (stars > 12)
        stars = 12; /* long values: the length is not worth showing */
    size_t o = 0;
    for (size_t i = 0; i < keep && o + 1 < outcap; i++)
        out[o++] = s[i];
    for (size_t i = 0; i < stars && o + 1 < outcap; i++)
        out[o++] = '*';
    for (size_t i = n - keep; i < n && o + 1 < outcap; i++)
        out[o++] = s[i];
    out[o] = '\0';
}

void leak_redact(char *s)
{
    size_t i = 0;
    while (s[i]) {
        if (!is_alnum(s[i])) {
            i++;
            continue;
        }
        size_t j = i, digits = 0;
        while (s[j] && is_alnum(s[j])) {
            if (s[j] >= '0' && s[j] <= '9')
                digits++;
            j++;
        }
        if (j - i >= 5 && digits >= 4) {
            size_t n = j - i, keep = n > 8 ? 2 : 1;
            for (size_t k = keep; k < n - keep; k++)
                s[i + k] = '*';
        }
        i = j;
    }
}
