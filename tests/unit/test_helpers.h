/* test_helpers.h -- packet builders shared by the unit tests. */
#ifndef RIBAT_TEST_HELPERS_H
#define RIBAT_TEST_HELPERS_H

#include <stdint.h>
#include <string.h>

static inline size_t th_put16(uint8_t *b, uint16_t v) { b[0] = (uint8_t)(v >> 8); b[1] = (uint8_t)v; return 2; }
static inline size_t th_put32(uint8_t *b, uint32_t v)
{
    b[0] = (uint8_t)(v >> 24); b[1] = (uint8_t)(v >> 16); b[2] = (uint8_t)(v >> 8); b[3] = (uint8_t)v;
    return 4;
}

/* Ethernet header with the given ethertype; returns 14 */
static inline size_t th_eth(uint8_t *b, uint16_t type)
{
    static const uint8_t dst[6] = { 0x66, 0x77, 0x88, 0x99, 0xaa, 0xbb };
    static const uint8_t src[6] = { 0x00, 0x11, 0x22, 0x33, 0x44, 0x55 };
    memcpy(b, dst, 6);
    memcpy(b + 6, src, 6);
    th_put16(b + 12, type);
    return 14;
}

static inline uint16_t th_csum(const uint8_t *b, size_t n)
{
    uint32_t s = 0;
    for (size_t i = 0; i + 1 < n; i += 2) s += (uint32_t)(b[i] << 8 | b[i + 1]);
    if (n & 1) s += (uint32_t)(b[n - 1] << 8);
    while (s >> 16) s = (s & 0xffff) + (s >> 16);
    return (uint16_t)~s;
}

/* IPv4 header (no options) for payload_len bytes; returns 20 */
static inline size_t th_ipv4(uint8_t *b, uint32_t src, uint32_t dst, uint8_t proto, uint16_t payload_len)
{
    memset(b, 0, 20);
    b[0] = 0x45;
    th_put16(b + 2, (uint16_t)(20 + payload_len));
    th_put16(b + 4, 1);
    b[8] = 64;
    b[9] = proto;
    th_put32(b + 12, src);
    th_put32(b + 16, dst);
    th_put16(b + 10, th_csum(b, 20));
    return 20;
}

/* TCP header without options; returns 20 */
static inline size_t th_tcp(uint8_t *b, uint16_t sp, uint16_t dp, uint32_t seq, uint32_t ack, uint8_t flags)
{
    memset(b, 0, 20);
    th_put16(b, sp);
    th_put16(b + 2, dp);
    th_put32(b + 4, seq);
    th_put32(b + 8, ack);
    b[12] = 5 << 4;
    b[13] = flags;
    th_put16(b + 14, 65535);
    return 20;
}

static inline size_t th_udp(uint8_t *b, uint16_t sp, uint16_t dp, uint16_t payload_len)
{
    memset(b, 0, 8);
    th_put16(b, sp);
    th_put16(b + 2, dp);
    th_put16(b + 4, (uint16_t)(8 + payload_len));
    return 8;
}

#define TH_IP(a, b, c, d) (((uint32_t)(a) << 24) | ((uint32_t)(b) << 16) | ((uint32_t)(c) << 8) | (uint32_t)(d))

#endif
