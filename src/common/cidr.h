/* cidr.h -- an IPv4 or IPv6 network in CIDR notation, for configuration
 * (leak HOME_NET and allow-lists, the stream's host-os-policy): parse one,
 * test an address against it. */
#ifndef RIBAT_COMMON_CIDR_H
#define RIBAT_COMMON_CIDR_H

#include <stdbool.h>
#include <stdint.h>

typedef struct rb_cidr {
    uint8_t family;      /* 4 or 6; 0 = any address */
    uint8_t bits;
    uint8_t addr[16];    /* network order */
} rb_cidr;

/* "10.0.0.0/8" / "192.168.1.1" / "fd00::/8" (blanks around it allowed);
 * false when invalid */
bool rb_cidr_parse(const char *s, rb_cidr *out);
/* addr (4 or 16 bytes, network order) of the given family (4 or 6) is in n */
bool rb_cidr_contains(const rb_cidr *n, int family, const uint8_t *addr);

#endif
