/* ssh.c -- SSH banner parser, see ssh.h and docs/dns-ssh.md. */
#include "applayer/ssh.h"

#include <stdlib.h>
#include <string.h>

enum { ST_BANNER = 0, ST_WAIT_EOL, ST_RECORDS, ST_ENCRYPTED };

#define SSH_MSG_NEWKEYS 21

static const char *const ev_names[SSH_EV_COUNT] = { "invalid_banner", "long_banner", "invalid_record" };

const char *ssh_event_name(unsigned i)
{
    return i < SSH_EV_COUNT ? ev_names[i] : NULL;
}

ssh_state *ssh_new(void)
{
    return calloc(1, sizeof(ssh_state));
}

void ssh_free(ssh_state *s)
{
    free(s);
}

int ssh_probe(const uint8_t *data, size_t len, int dir)
{
    (void)dir;
    static const char tag[4] = { 'S', 'S', 'H', '-' };
    size_t n = len < 4 ? len : 4;
    if (memcmp(data, tag, n) != 0)
        return 0;
    return len < 4 ? -1 : 1;
}

static void keep(uint8_t *dst, uint16_t *dlen, bool *trunc, const uint8_t *src, size_t n)
{
    *trunc = n > SSH_MAX_FIELD_LEN;
    if (n > SSH_MAX_FIELD_LEN)
        n = SSH_MAX_FIELD_LEN;
    memcpy(dst, src, n);
    *dlen = (uint16_t)n;
}

/* Parse "SSH-proto-software[ comments]" from b (a whole line, or the first
 * bytes of a line that has not ended yet). false = invalid. */
static bool parse_banner(ssh_side *sd, const uint8_t *b, size_t n)
{
    if (n < 4 || memcmp(b, "SSH-", 4) != 0)
        return false;
    const uint8_t *dash = memchr(b + 4, '-', n - 4);
    if (!dash || dash == b + 4)
        return false;
    const uint8_t *sw = dash + 1, *end = b + n;
    size_t swn = 0;
    if (sw < end && *sw != ' ' && *sw != '\r' && *sw != '\n') {
        while (sw + swn < end && sw[swn] != ' ' && sw[swn] != '\r' && sw[swn] != '\n')
            swn++;
    } else {
        swn = (size_t)(end - sw); /* Suricata takes the whole rest then */
    }
    keep(sd->proto, &sd->proto_len, &sd->proto_truncated, b + 4, (size_t)(dash - (b + 4)));
    if (swn)
        keep(sd->software, &sd->software_len, &sd->software_truncated, sw, swn);
    return true;
}

/* Find the end of a line in d[0..n): *eol = index of the terminator start,
 * *next = index after it. Returns false when the line has not ended (or a
 * final '\r' still needs its next byte). */
static bool find_eol(const uint8_t *d, size_t n, size_t *eol, size_t *next)
{
    for (size_t i = 0; i < n; i++) {
        if (d[i] == '\n') {
            *eol = i;
            *next = i + 1;
            return true;
        }
        if (d[i] == '\r') {
            if (i + 1 >= n)
                return false;
            *eol = i;
            *next = d[i + 1] == '\n' ? i + 2 : i + 1;
            return true;
        }
    }
    return false;
}

static int fail(ssh_state *s, uint32_t ev)
{
    s->events |= ev;
    s->failed = true;
    return -1;
}

/* binary packets: 4-byte length, padding length, message code, ... */
static int walk_records(ssh_state *s, ssh_side *sd, const uint8_t *d, size_t n)
{
    while (n) {
        if (sd->st_ == ST_ENCRYPTED)
            return 0;
        if (sd->skip_) {
            size_t k = sd->skip_ < n ? (size_t)sd->skip_ : n;
            sd->skip_ -= k;
            d += k;
            n -= k;
            continue;
        }
        while (sd->hdr_len_ < 6 && n) {
            sd->hdr_[sd->hdr_len_++] = *d++;
            n--;
        }
        if (sd->hdr_len_ < 6)
            return 0;
        sd->hdr_len_ = 0;
        uint32_t pkt_len = (uint32_t)sd->hdr_[0] << 24 | (uint32_t)sd->hdr_[1] << 16 |
                           (uint32_t)sd->hdr_[2] << 8 | sd->hdr_[3];
        if (pkt_len < 2)
            return fail(s, SSH_EV_INVALID_RECORD);
        sd->skip_ = pkt_len - 2; /* padding length and code are read */
        if (sd->hdr_[5] == SSH_MSG_NEWKEYS) {
            sd->newkeys = true;
            sd->st_ = ST_ENCRYPTED;
        }
    }
    return 0;
}

int ssh_feed(ssh_state *s, int dir, const uint8_t *data, size_t len)
{
    if (s->failed)
        return -1;
    ssh_side *sd = &s->side[dir ? 1 : 0];
    while (len) {
        switch (sd->st_) {
        case ST_BANNER: {
            /* the line so far: buffered bytes + data */
            size_t eol, next;
            size_t have = sd->line_len_;
            /* a buffered final '\r' decides with the first new byte */
            if (have && sd->line_[have - 1] == '\r') {
                size_t consumed = data[0] == '\n' ? 1 : 0;
                bool long_line = have - 1 >= SSH_MAX_BANNER_LEN;
                if (!parse_banner(sd, sd->line_, have - 1))
                    return fail(s, SSH_EV_INVALID_BANNER);
                if (long_line)
                    s->events |= SSH_EV_LONG_BANNER;
                sd->line_len_ = 0;
                sd->banner_done = true;
                sd->st_ = ST_RECORDS;
                data += consumed;
                len -= consumed;
                break;
            }
            if (find_eol(data, len, &eol, &next)) {
                size_t line_total = have + eol;
                const uint8_t *line;
                size_t line_n;
                if (have) {
                    size_t take = eol;
                    if (have + take > sizeof sd->line_)
                        take = sizeof sd->line_ - have;
                    memcpy(sd->line_ + have, data, take);
                    line = sd->line_;
                    line_n = have + take;
                } else {
                    line = data;
                    line_n = eol;
                }
                if (!parse_banner(sd, line, line_n))
                    return fail(s, SSH_EV_INVALID_BANNER);
                if (line_total >= SSH_MAX_BANNER_LEN)
                    s->events |= SSH_EV_LONG_BANNER;
                sd->line_len_ = 0;
                sd->banner_done = true;
                sd->st_ = ST_RECORDS;
                data += next;
                len -= next;
                break;
            }
            /* no end of line yet */
            if (have + len < SSH_MAX_BANNER_LEN) {
                memcpy(sd->line_ + have, data, len);
                sd->line_len_ += len;
                return 0;
            }
            /* long banner without its end: take what there is, skip the rest of the line */
            size_t take = len;
            if (have + take > sizeof sd->line_)
                take = sizeof sd->line_ - have;
            memcpy(sd->line_ + have, data, take);
            if (!parse_banner(sd, sd->line_, have + take))
                return fail(s, SSH_EV_INVALID_BANNER);
            s->events |= SSH_EV_LONG_BANNER;
            sd->line_len_ = 0;
            sd->st_ = ST_WAIT_EOL;
            /* a final '\r' in the data may be followed by '\n' next time: the
             * wait state treats a leading '\n' as the end of that line */
            if (data[len - 1] == '\r')
                sd->line_len_ = 1;
            return 0;
        }
        case ST_WAIT_EOL: {
            if (sd->line_len_) { /* the previous data ended with '\r' */
                sd->line_len_ = 0;
                if (data[0] == '\n') {
                    data++;
                    len--;
                }
                sd->banner_done = true;
                sd->st_ = ST_RECORDS;
                break;
            }
            size_t eol, next;
            if (!find_eol(data, len, &eol, &next)) {
                if (data[len - 1] == '\r')
                    sd->line_len_ = 1;
                return 0;
            }
            sd->banner_done = true;
            sd->st_ = ST_RECORDS;
            data += next;
            len -= next;
            break;
        }
        case ST_RECORDS:
            return walk_records(s, sd, data, len);
        default: /* ST_ENCRYPTED */
            return 0;
        }
    }
    return 0;
}

bool ssh_loggable(const ssh_state *s, bool flow_end)
{
    if (s->logged)
        return false;
    if (s->side[0].banner_done && s->side[1].banner_done)
        return true;
    if (s->failed || flow_end)
        return s->side[0].proto_len || s->side[1].proto_len;
    return false;
}

void ssh_mark_logged(ssh_state *s)
{
    s->logged = true;
}
