/* SM2 signing, verification and point multiplication on byte strings (GB/T 32918.1/.2). */
#ifndef TRUSTKIT_SM2_ENGINE_H
#define TRUSTKIT_SM2_ENGINE_H

#include <stddef.h>
#include <stdint.h>

#include "sm2_comb.h"

enum {
    SM2_OK = 0,
    SM2_ERR_RANGE = -1,      /* scalar or coordinate out of range */
    SM2_ERR_POINT = -2,      /* point not on the curve / infinity */
    SM2_ERR_RANDOM = -3,     /* the OS random source failed */
    SM2_ERR_MEMORY = -4,
    SM2_ERR_NONCE = -5,      /* a caller-supplied nonce gave r = 0, r + k = n or s = 0 */
};

typedef struct {
    uint64_t d[4];           /* plain integer in [1, n-2] */
    sc u_mont;               /* (1 + d)^-1 mod n, Montgomery form */
    uint8_t pub[64];         /* X || Y */
} sm2_private;

typedef struct {
    ge_affine P;
    uint8_t xy[64];
} sm2_public;

int sm2_engine_init(void);
const comb_table *sm2_generator_table(void);

int sm2_random_scalar(uint64_t k[4]);                         /* uniform in [1, n-1] */
int sm2_private_init(sm2_private *key, const uint8_t d[32]);  /* d in [1, n-2] */
void sm2_private_wipe(sm2_private *key);
int sm2_public_init(sm2_public *key, const uint8_t xy[64]);   /* validates the point */

/* k == NULL: fresh random nonces; otherwise the given 32-byte nonce (known-answer tests). */
int sm2_sign_digest(const sm2_private *key, const uint8_t e[32], const uint8_t *k, uint8_t rs[64]);

/* 1 valid, 0 invalid. table may be NULL (per-key comb table of P, if the caller has one). */
int sm2_verify_digest(const sm2_public *key, const comb_table *table, const uint8_t e[32],
                      const uint8_t rs[64]);

void sm2_compute_za(uint8_t za[32], const uint8_t *id, size_t id_len, const uint8_t xy[64]);
void sm2_message_digest(uint8_t e[32], const uint8_t za[32], const uint8_t *msg, size_t len);

int sm2_base_multiply(uint8_t out[64], const uint8_t k[32]);                       /* [k]G, ct */
int sm2_point_multiply(uint8_t out[64], const sm2_public *p, const uint8_t k[32]); /* [k]P, ct */

#endif
