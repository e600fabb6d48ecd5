/*
 * Points on the SM2 curve y^2 = x^3 - 3x + b.
 *
 * Two coordinate systems:
 *  - Jacobian (x = X/Z^2, y = Y/Z^3) with the fast a = -3 formulas. The *_vt routines branch on
 *    special cases and are for public data (verification) only; jac_madd_ct is branch-free and
 *    reports the one exceptional case so constant-time callers can avoid it.
 *  - Homogeneous projective (x = X/Z, y = Y/Z) with the complete formulas of Renes, Costello and
 *    Batina (EUROCRYPT 2016, algorithms 4-6): no exceptional cases, used for secret scalars
 *    times variable points.
 */
#ifndef TRUSTKIT_SM2_POINT_H
#define TRUSTKIT_SM2_POINT_H

#include <stddef.h>

#include "sm2_field.h"

typedef struct { fe x, y; } ge_affine;      /* never the point at infinity */
typedef struct { fe X, Y, Z; } ge_jac;      /* Z == 0 is the point at infinity */
typedef struct { fe X, Y, Z; } ge_proj;     /* homogeneous; (0:1:0) is the point at infinity */

extern ge_affine SM2_G;                       /* set by sm2_point_init */
void sm2_point_init(void);

/* decoding and validation of public points (coordinates < p, on the curve) */
int ge_from_bytes(ge_affine *r, const uint8_t xy[64]);   /* 0 ok, -1 coordinate >= p, -2 off curve */
void ge_to_bytes(uint8_t xy[64], const ge_affine *a);
int ge_is_on_curve(const ge_affine *a);
int ge_decompress(ge_affine *r, const uint8_t x[32], int y_odd);  /* 0 ok, <0 invalid */

/* Jacobian */
void jac_from_affine(ge_jac *r, const ge_affine *a);
void jac_double(ge_jac *r, const ge_jac *p);                     /* branch-free */
uint64_t jac_madd_ct(ge_jac *r, const ge_jac *p, const ge_affine *q);  /* mask: H == 0 */
void jac_madd_vt(ge_jac *r, const ge_jac *p, const ge_affine *q);
void jac_add_vt(ge_jac *r, const ge_jac *p, const ge_jac *q);
void jac_neg_affine(ge_affine *r, const ge_affine *a);
int jac_to_affine(ge_affine *r, const ge_jac *p);                /* -1 for infinity; constant time otherwise */
/* Convert many non-infinity points at once with one inversion (public data only). */
int jac_batch_to_affine(ge_affine *out, const ge_jac *in, size_t count);

/* complete projective formulas (constant time) */
void proj_add(ge_proj *r, const ge_proj *p, const ge_proj *q);
void proj_double(ge_proj *r, const ge_proj *p);
int proj_to_affine(ge_affine *r, const ge_proj *p);             /* -1 for infinity */

/* [k]P for a secret k and a variable point P: fixed 4-bit windows, constant-time table scan. */
int ge_mul_ct(ge_affine *r, const ge_affine *p, const uint64_t k[4]);
/* [k]P + [l]G-less helper for verification: [k]P by width-5 wNAF, public scalar only. */
void ge_mul_wnaf_vt(ge_jac *r, const ge_affine *p, const uint64_t k[4]);

#endif
