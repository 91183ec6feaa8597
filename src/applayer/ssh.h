/* ssh.h -- SSH identification-string ("banner") parser for ribat.
 *
 * The engine feeds the in-order TCP stream bytes of each direction (dir 0 =
 * client to server, dir 1 = server to client), split anywhere. Each side's
 * first line must be its banner, "SSH-protoversion-softwareversion
 * comments\r\n" (RFC 4253 section 4.2); what follows is walked as SSH binary
 * packets until the side's SSH_MSG_NEWKEYS, after which the traffic is
 * encrypted and ignored. Behaviour follows Suricata 7.0.10 (observed on
 * crafted captures):
 *  - the banner must be the first line: any other first line (text a server
 *    sends before its banner, an empty line) is an invalid banner;
 *  - lines end at "\n", "\r\n", or a "\r" followed by anything else;
 *  - proto_version is everything between "SSH-" and the next '-' (at least
 *    one byte); software_version runs to the first space (the comments are
 *    not kept), or is the whole rest when that starts with a space;
 *  - a banner line of SSH_MAX_BANNER_LEN bytes or more raises long_banner;
 *    one that has not ended after that many bytes is taken as it is and the
 *    rest of the line is skipped;
 *  - each value keeps its first SSH_MAX_FIELD_LEN bytes; longer ones are
 *    logged as those bytes followed by "[truncated]";
 *  - an invalid banner or record stops the parser for both directions.
 * One transaction per connection, logged once. */
#ifndef RIBAT_SSH_H
#define RIBAT_SSH_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define SSH_MAX_BANNER_LEN 256u /* banner line length that raises long_banner */
#define SSH_MAX_FIELD_LEN  256u /* bytes kept of proto / software version */

enum {
    SSH_EV_INVALID_BANNER = 1u << 0, /* ssh.invalid_banner */
    SSH_EV_LONG_BANNER    = 1u << 1, /* ssh.long_banner */
    SSH_EV_INVALID_RECORD = 1u << 2, /* ssh.invalid_record */
    SSH_EV_COUNT = 3,
};
const char *ssh_event_name(unsigned bit_index);

typedef struct ssh_side {
    uint8_t proto[SSH_MAX_FIELD_LEN];
    uint8_t software[SSH_MAX_FIELD_LEN];
    uint16_t proto_len, software_len;
    bool proto_truncated, software_truncated;
    bool banner_done;   /* the banner line ended and was valid */
    bool newkeys;       /* SSH_MSG_NEWKEYS seen: the rest is encrypted */
    /* private */
    uint8_t st_;        /* banner / wait end of line / records / encrypted */
    uint8_t line_[1024];     /* banner bytes kept to parse (the values need < 520) */
    size_t line_len_;
    uint8_t hdr_[6];    /* partial binary packet header */
    uint8_t hdr_len_;
    uint64_t skip_;     /* bytes left of the current binary packet */
} ssh_side;

typedef struct ssh_state {
    ssh_side side[2];   /* [0] client, [1] server */
    uint32_t events;    /* SSH_EV_* (the connection's single transaction) */
    bool failed;        /* parse error: nothing more is parsed */
    bool logged;
} ssh_state;

ssh_state *ssh_new(void);
void ssh_free(ssh_state *s);

/* Content detection: 1 = starts with "SSH-", 0 = no, -1 = too short to tell. */
int ssh_probe(const uint8_t *data, size_t len, int dir);

/* Stream bytes of one direction. 0 = ok, -1 = invalid banner or record (the
 * parser then ignores everything that follows, in both directions). */
int ssh_feed(ssh_state *s, int dir, const uint8_t *data, size_t len);

/* Ready to log: both banners seen; or, once the parser failed or the flow
 * ends, at least one. False after ssh_mark_logged(). */
bool ssh_loggable(const ssh_state *s, bool flow_end);
void ssh_mark_logged(ssh_state *s);

#endif
