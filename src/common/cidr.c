/* cidr.c -- IPv4/IPv6 networks in CIDR notation (see cidr.h). */
#include "common/cidr.h"

#include <arpa/inet.h>
#include <stdlib.h>
#include <string.h>

bool rb_cidr_parse(const char *s, rb_cidr *out)
{
    char buf[64];
    size_t n = strlen(s);
    while (n && (s[n - 1] == ' ' || s[n - 1] == '\t'))
        n--;
    while (n && (*s == ' ' || *s == '\t')) {
        s++;
        n--;
    }
    if (n == 0 || n >= sizeof buf)
        return false;
    memcpy(buf, s, n);
    buf[n] = '\0';
    memset(out, 0, sizeof *out);
    char *slash = strchr(buf, '/');
    long bits = -1;
    if (slash) {
        *slash = '\0';
        char *end;
        bits = strtol(slash + 1, &end, 10);
        if (*end || end == slash + 1)
            return false;
    }
    if (inet_pton(AF_INET, buf, out->addr) == 1) {
        out->family = 4;
        if (bits < 0) bits = 32;
        if (bits > 32) return false;
    } else if (inet_pton(AF_INET6, buf, out->addr) == 1) {
        out->family = 6;
        if (bits < 0) bits = 128;
        if (bits > 128) return false;
    } else {
        return false;
    }
    out->bits = (uint8_t)bits;
    return true;
}

bool rb_cidr_contains(const rb_cidr *n, int family, const uint8_t *addr)
{
    if (n->family == 0)
        return true;
    if (n->family != family)
        return false;
    unsigned full = n->bits / 8u, rest = n->bits % 8u;
    if (memcmp(n->addr, addr, full) != 0)
        return false;
    if (rest == 0)
        return true;
    uint8_t m = (uint8_t)(0xffu << (8 - rest));
    return (n->addr[full] & m) == (addr[full] & m);
}
