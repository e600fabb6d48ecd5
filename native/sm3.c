/* SM3 (GB/T 32905-2016). Processes public data only (messages, Z_A inputs). */
#include "sm3.h"

#include <string.h>

#define ROTL(x, n) (((x) << ((n) & 31)) | ((x) >> ((32 - ((n) & 31)) & 31)))
#define P0(x) ((x) ^ ROTL((x), 9) ^ ROTL((x), 17))
#define P1(x) ((x) ^ ROTL((x), 15) ^ ROTL((x), 23))

static const uint32_t SM3_IV[8] = {
    0x7380166Fu, 0x4914B2B9u, 0x172442D7u, 0xDA8A0600u,
    0xA96F30BCu, 0x163138AAu, 0xE38DEE4Du, 0xB0FB0E4Eu,
};

static uint32_t load_be32(const uint8_t *p) {
    return ((uint32_t)p[0] << 24) | ((uint32_t)p[1] << 16) | ((uint32_t)p[2] << 8) | p[3];
}

static void store_be32(uint8_t *p, uint32_t v) {
    p[0] = (uint8_t)(v >> 24);
    p[1] = (uint8_t)(v >> 16);
    p[2] = (uint8_t)(v >> 8);
    p[3] = (uint8_t)v;
}

static void expand(const uint8_t block[64], uint32_t w[68]) {
    for (int j = 0; j < 16; j++) w[j] = load_be32(block + 4 * j);
    for (int j = 16; j < 68; j++) {
        uint32_t x = w[j - 16] ^ w[j - 9] ^ ROTL(w[j - 3], 15);
        w[j] = P1(x) ^ ROTL(w[j - 13], 7) ^ w[j - 6];
    }
}

/* T_j <<< (j mod 32), precomputed */
static const uint32_t SM3_TJ[64] = {
    0x79CC4519u, 0xF3988A32u, 0xE7311465u, 0xCE6228CBu, 0x9CC45197u, 0x3988A32Fu, 0x7311465Eu, 0xE6228CBCu,
    0xCC451979u, 0x988A32F3u, 0x311465E7u, 0x6228CBCEu, 0xC451979Cu, 0x88A32F39u, 0x11465E73u, 0x228CBCE6u,
    0x9D8A7A87u, 0x3B14F50Fu, 0x7629EA1Eu, 0xEC53D43Cu, 0xD8A7A879u, 0xB14F50F3u, 0x629EA1E7u, 0xC53D43CEu,
    0x8A7A879Du, 0x14F50F3Bu, 0x29EA1E76u, 0x53D43CECu, 0xA7A879D8u, 0x4F50F3B1u, 0x9EA1E762u, 0x3D43CEC5u,
    0x7A879D8Au, 0xF50F3B14u, 0xEA1E7629u, 0xD43CEC53u, 0xA879D8A7u, 0x50F3B14Fu, 0xA1E7629Eu, 0x43CEC53Du,
    0x879D8A7Au, 0x0F3B14F5u, 0x1E7629EAu, 0x3CEC53D4u, 0x79D8A7A8u, 0xF3B14F50u, 0xE7629EA1u, 0xCEC53D43u,
    0x9D8A7A87u, 0x3B14F50Fu, 0x7629EA1Eu, 0xEC53D43Cu, 0xD8A7A879u, 0xB14F50F3u, 0x629EA1E7u, 0xC53D43CEu,
    0x8A7A879Du, 0x14F50F3Bu, 0x29EA1E76u, 0x53D43CECu, 0xA7A879D8u, 0x4F50F3B1u, 0x9EA1E762u, 0x3D43CEC5u,
};

#define FF0(x, y, z) ((x) ^ (y) ^ (z))
#define GG0(x, y, z) ((x) ^ (y) ^ (z))
#define FF1(x, y, z) (((x) & (y)) | (((x) | (y)) & (z)))
#define GG1(x, y, z) ((z) ^ ((x) & ((y) ^ (z))))

/* One round; the caller rotates the roles of the eight registers instead of moving values. */
#define SM3_ROUND(FF, GG, a, b, c, d, e, f, g, h, j)                  \
    do {                                                              \
        uint32_t a12 = ROTL(a, 12);                                   \
        uint32_t ss1 = ROTL(a12 + e + SM3_TJ[j], 7);                  \
        uint32_t tt1 = FF(a, b, c) + d + (ss1 ^ a12) + (w[j] ^ w[j + 4]); \
        uint32_t tt2 = GG(e, f, g) + h + ss1 + w[j];                  \
        b = ROTL(b, 9);                                               \
        d = tt1;                                                      \
        f = ROTL(f, 19);                                              \
        h = P0(tt2);                                                  \
    } while (0)

#define SM3_8ROUNDS(FF, GG, j)                                        \
    SM3_ROUND(FF, GG, a, b, c, d, e, f, g, h, j);                     \
    SM3_ROUND(FF, GG, d, a, b, c, h, e, f, g, j + 1);                 \
    SM3_ROUND(FF, GG, c, d, a, b, g, h, e, f, j + 2);                 \
    SM3_ROUND(FF, GG, b, c, d, a, f, g, h, e, j + 3);                 \
    SM3_ROUND(FF, GG, a, b, c, d, e, f, g, h, j + 4);                 \
    SM3_ROUND(FF, GG, d, a, b, c, h, e, f, g, j + 5);                 \
    SM3_ROUND(FF, GG, c, d, a, b, g, h, e, f, j + 6);                 \
    SM3_ROUND(FF, GG, b, c, d, a, f, g, h, e, j + 7)

static void compress(uint32_t v[8], const uint8_t block[64]) {
    uint32_t w[68];
    expand(block, w);
    uint32_t a = v[0], b = v[1], c = v[2], d = v[3];
    uint32_t e = v[4], f = v[5], g = v[6], h = v[7];
    SM3_8ROUNDS(FF0, GG0, 0);
    SM3_8ROUNDS(FF0, GG0, 8);
    SM3_8ROUNDS(FF1, GG1, 16);
    SM3_8ROUNDS(FF1, GG1, 24);
    SM3_8ROUNDS(FF1, GG1, 32);
    SM3_8ROUNDS(FF1, GG1, 40);
    SM3_8ROUNDS(FF1, GG1, 48);
    SM3_8ROUNDS(FF1, GG1, 56);
    v[0] ^= a; v[1] ^= b; v[2] ^= c; v[3] ^= d;
    v[4] ^= e; v[5] ^= f; v[6] ^= g; v[7] ^= h;
}

void sm3_init(sm3_ctx *ctx) {
    memcpy(ctx->state, SM3_IV, sizeof SM3_IV);
    ctx->total = 0;
    ctx->used = 0;
}

void sm3_update(sm3_ctx *ctx, const uint8_t *data, size_t len) {
    ctx->total += len;
    if (ctx->used) {
        size_t take = 64 - ctx->used < len ? 64 - ctx->used : len;
        memcpy(ctx->block + ctx->used, data, take);
        ctx->used += take;
        data += take;
        len -= take;
        if (ctx->used < 64) return;
        compress(ctx->state, ctx->block);
        ctx->used = 0;
    }
    for (; len >= 64; data += 64, len -= 64) compress(ctx->state, data);
    if (len) {
        memcpy(ctx->block, data, len);
        ctx->used = len;
    }
}

void sm3_final(sm3_ctx *ctx, uint8_t out[32]) {
    uint64_t bits = ctx->total * 8;
    ctx->block[ctx->used++] = 0x80;
    if (ctx->used > 56) {
        memset(ctx->block + ctx->used, 0, 64 - ctx->used);
        compress(ctx->state, ctx->block);
        ctx->used = 0;
    }
    memset(ctx->block + ctx->used, 0, 56 - ctx->used);
    for (int i = 0; i < 8; i++) ctx->block[56 + i] = (uint8_t)(bits >> (56 - 8 * i));
    compress(ctx->state, ctx->block);
    for (int i = 0; i < 8; i++) store_be32(out + 4 * i, ctx->state[i]);
}

void sm3_digest(const uint8_t *data, size_t len, uint8_t out[32]) {
    sm3_ctx ctx;
    sm3_init(&ctx);
    sm3_update(&ctx, data, len);
    sm3_final(&ctx, out);
}
