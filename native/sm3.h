/* SM3 hash (GB/T 32905), used by the native engine to hash without holding the GIL. */
#ifndef TRUSTKIT_SM3_H
#define TRUSTKIT_SM3_H

#include <stddef.h>
#include <stdint.h>

typedef struct {
    uint32_t state[8];
    uint64_t total;          /* bytes absorbed so far */
    uint8_t block[64];
    size_t used;             /* bytes waiting in block */
} sm3_ctx;

void sm3_init(sm3_ctx *ctx);
void sm3_update(sm3_ctx *ctx, const uint8_t *data, size_t len);
void sm3_final(sm3_ctx *ctx, uint8_t out[32]);
void sm3_digest(const uint8_t *data, size_t len, uint8_t out[32]);

#endif
