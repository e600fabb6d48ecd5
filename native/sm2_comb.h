/*
 * Fixed-base comb tables: for a base point B, window i holds the affine points j * 2^(7i) * B
 * for j = 1..64. A 256-bit scalar is Booth-recoded into 37 signed 7-bit digits, so [k]B costs
 * 37 mixed additions and no doublings. One table is 148 KiB. The generator's table is global;
 * per-issuer tables for verification are built on demand (see sm2_engine.c).
 */
#ifndef TRUSTKIT_SM2_COMB_H
#define TRUSTKIT_SM2_COMB_H

#include "sm2_point.h"

#define COMB_WINDOWS 37
#define COMB_POINTS 64

typedef struct {
    ge_affine pt[COMB_WINDOWS][COMB_POINTS];
} comb_table;

int comb_build(comb_table *t, const ge_affine *base);     /* 0 ok, -1 out of memory */

/* Constant time in k. Returns -1 in the (negligible) event that an addition hit an exceptional
 * case or k == 0; the caller then uses another path or another nonce. */
int comb_mul_ct(ge_jac *r, const comb_table *t, const uint64_t k[4]);

/* Variable time (public scalars): acc += [k]B. acc may be infinity. */
void comb_mul_add_vt(ge_jac *acc, const comb_table *t, const uint64_t k[4]);

#endif
