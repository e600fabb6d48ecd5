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

static void compress(uint32_t v[8], const uint8_t block[64]) {
    uint32_t w[68];
    expand(block, w);
    uint32_t a = v[0], b = v[1], c = v[2], d = v[3];
    uint32_t e = v[4], f = v[5], g = v[6], h = v[7];
    for (int j = 0; j < 64; j++) {
        uint32_t tj = j < 16 ? 0x79CC4519u : 0x7A879D8Au;
        uint32_t a12 = ROTL(a, 12);
        uint32_t ss1 = ROTL(a12 + e + ROTL(tj, j), 7);
        uint32_t ss2 = ss1 ^ a12;
        uint32_t ff = j < 16 ? (a ^ b ^ c) : ((a & b) | (a & c) | (b & c));
        uint32_t gg = j < 16 ? (e ^ f ^ g) : ((e & f) | (~e & g));
        uint32_t tt1 = ff + d + ss2 + (w[j] ^ w[j + 4]);
        uint32_t tt2 = gg + h + ss1 + w[j];
        d = c;
        c = ROTL(b, 9);
        b = a;
        a = tt1;
        h = g;
        g = ROTL(f, 19);
        f = e;
        e = P0(tt2);
    }
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
