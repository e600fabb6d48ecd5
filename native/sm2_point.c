#include "sm2_point.h"

static const uint8_t GX_BE[32] = {
    0x32, 0xC4, 0xAE, 0x2C, 0x1F, 0x19, 0x81, 0x19, 0x5F, 0x99, 0x04, 0x46, 0x6A, 0x39, 0xC9, 0x94,
    0x8F, 0xE3, 0x0B, 0xBF, 0xF2, 0x66, 0x0B, 0xE1, 0x71, 0x5A, 0x45, 0x89, 0x33, 0x4C, 0x74, 0xC7};
static const uint8_t GY_BE[32] = {
    0xBC, 0x37, 0x36, 0xA2, 0xF4, 0xF6, 0x77, 0x9C, 0x59, 0xBD, 0xCE, 0xE3, 0x6B, 0x69, 0x21, 0x53,
    0xD0, 0xA9, 0x87, 0x7C, 0xC6, 0x2A, 0x47, 0x40, 0x02, 0xDF, 0x32, 0xE5, 0x21, 0x39, 0xF0, 0xA0};

ge_affine SM2_G;

void sm2_point_init(void) {
    uint8_t xy[64];
    memcpy(xy, GX_BE, 32);
    memcpy(xy + 32, GY_BE, 32);
    ge_from_bytes(&SM2_G, xy);
}

/* ---- encoding ------------------------------------------------------------------------------ */

static int fe_from_be_checked(fe *r, const uint8_t in[32]) {
    fe t;
    limbs_from_be(t.v, in);
    if (!limbs_lt_mask(t.v, SM2_P)) return -1;
    fe_to_mont(r, &t);
    return 0;
}

static void fe_to_be(uint8_t out[32], const fe *a) {
    fe t;
    fe_from_mont(&t, a);
    limbs_to_be(out, t.v);
}

/* y^2 - (x^3 - 3x + b) */
static void curve_rhs(fe *r, const fe *x) {
    fe x2, x3, three_x;
    fe_sqr(&x2, x);
    fe_mul(&x3, &x2, x);
    fe_dbl(&three_x, x);
    fe_add(&three_x, &three_x, x);
    fe_sub(r, &x3, &three_x);
    fe_add(r, r, &FE_B);
}

int ge_is_on_curve(const ge_affine *a) {
    fe rhs, y2;
    curve_rhs(&rhs, &a->x);
    fe_sqr(&y2, &a->y);
    return fe_equal(&rhs, &y2) ? 1 : 0;
}

int ge_from_bytes(ge_affine *r, const uint8_t xy[64]) {
    if (fe_from_be_checked(&r->x, xy) || fe_from_be_checked(&r->y, xy + 32)) return -1;
    return ge_is_on_curve(r) ? 0 : -2;
}

void ge_to_bytes(uint8_t xy[64], const ge_affine *a) {
    fe_to_be(xy, &a->x);
    fe_to_be(xy + 32, &a->y);
}

int ge_decompress(ge_affine *r, const uint8_t x[32], int y_odd) {
    fe rhs, y, plain;
    if (fe_from_be_checked(&r->x, x)) return -1;
    curve_rhs(&rhs, &r->x);
    if (!fe_sqrt(&y, &rhs)) return -2;
    fe_from_mont(&plain, &y);
    if ((int)(plain.v[0] & 1) != (y_odd ? 1 : 0)) fe_neg(&y, &y);
    r->y = y;
    return 0;
}

/* ---- Jacobian --------------------------------------------------------------------------------- */

void jac_from_affine(ge_jac *r, const ge_affine *a) {
    r->X = a->x;
    r->Y = a->y;
    r->Z = FE_ONE;
}

void jac_neg_affine(ge_affine *r, const ge_affine *a) {
    r->x = a->x;
    fe_neg(&r->y, &a->y);
}

/* dbl-2001-b for a = -3; infinity (Z = 0) maps to infinity */
void jac_double(ge_jac *r, const ge_jac *p) {
    fe delta, gamma, beta, alpha, t0, t1;
    fe_sqr(&delta, &p->Z);
    fe_sqr(&gamma, &p->Y);
    fe_mul(&beta, &p->X, &gamma);
    fe_sub(&t0, &p->X, &delta);
    fe_add(&t1, &p->X, &delta);
    fe_mul(&alpha, &t0, &t1);
    fe_dbl(&t0, &alpha);
    fe_add(&alpha, &alpha, &t0);                 /* alpha = 3 (X - delta)(X + delta) */
    fe_add(&t0, &p->Y, &p->Z);
    fe_sqr(&t0, &t0);
    fe_sub(&t0, &t0, &gamma);
    fe_sub(&r->Z, &t0, &delta);                   /* Z3 = (Y + Z)^2 - gamma - delta */
    fe_dbl(&beta, &beta);
    fe_dbl(&beta, &beta);                         /* 4 beta */
    fe_sqr(&t0, &alpha);
    fe_dbl(&t1, &beta);
    fe_sub(&r->X, &t0, &t1);                      /* X3 = alpha^2 - 8 beta */
    fe_sub(&t0, &beta, &r->X);
    fe_sqr(&t1, &gamma);
    fe_dbl(&t1, &t1);
    fe_dbl(&t1, &t1);
    fe_dbl(&t1, &t1);                             /* 8 gamma^2 */
    fe_mul(&t0, &alpha, &t0);
    fe_sub(&r->Y, &t0, &t1);
}

/* madd-2007-bl. Correct unless p is infinity or p == q (then H == 0 and r == 0). Returns the
 * all-ones mask when H == 0 so constant-time callers can detect p == +-q. */
uint64_t jac_madd_ct(ge_jac *r, const ge_jac *p, const ge_affine *q) {
    fe z1z1, u2, s2, h, hh, i, j, rr, v, t0, t1;
    fe_sqr(&z1z1, &p->Z);
    fe_mul(&u2, &q->x, &z1z1);
    fe_mul(&s2, &q->y, &p->Z);
    fe_mul(&s2, &s2, &z1z1);
    fe_sub(&h, &u2, &p->X);
    uint64_t h_zero = fe_is_zero(&h);
    fe_sqr(&hh, &h);
    fe_dbl(&i, &hh);
    fe_dbl(&i, &i);
    fe_mul(&j, &h, &i);
    fe_sub(&rr, &s2, &p->Y);
    fe_dbl(&rr, &rr);
    fe_mul(&v, &p->X, &i);
    fe_sqr(&t0, &rr);
    fe_sub(&t0, &t0, &j);
    fe_dbl(&t1, &v);
    fe_sub(&t0, &t0, &t1);                        /* X3 */
    fe_add(&t1, &p->Z, &h);
    fe_sqr(&t1, &t1);
    fe_sub(&t1, &t1, &z1z1);
    fe_sub(&r->Z, &t1, &hh);
    fe_sub(&t1, &v, &t0);
    fe_mul(&t1, &rr, &t1);
    fe_mul(&v, &p->Y, &j);
    fe_dbl(&v, &v);
    fe_sub(&r->Y, &t1, &v);
    r->X = t0;
    return h_zero;
}

/* Variable time: handles infinity and doubling. Public data only. */
void jac_madd_vt(ge_jac *r, const ge_jac *p, const ge_affine *q) {
    if (fe_is_zero(&p->Z)) {
        jac_from_affine(r, q);
        return;
    }
    ge_jac out;
    if (jac_madd_ct(&out, p, q) && fe_is_zero(&out.Z)) {
        /* H == 0: either p == q (double) or p == -q (infinity) */
        fe z1z1, s2;
        fe_sqr(&z1z1, &p->Z);
        fe_mul(&s2, &q->y, &p->Z);
        fe_mul(&s2, &s2, &z1z1);
        if (fe_equal(&s2, &p->Y)) {
            jac_double(r, p);
            return;
        }
    }
    *r = out;
}

/* add-2007-bl with special cases; public data only */
void jac_add_vt(ge_jac *r, const ge_jac *p, const ge_jac *q) {
    if (fe_is_zero(&p->Z)) { *r = *q; return; }
    if (fe_is_zero(&q->Z)) { *r = *p; return; }
    fe z1z1, z2z2, u1, u2, s1, s2, h, i, j, rr, v, t0, t1;
    fe_sqr(&z1z1, &p->Z);
    fe_sqr(&z2z2, &q->Z);
    fe_mul(&u1, &p->X, &z2z2);
    fe_mul(&u2, &q->X, &z1z1);
    fe_mul(&s1, &p->Y, &q->Z);
    fe_mul(&s1, &s1, &z2z2);
    fe_mul(&s2, &q->Y, &p->Z);
    fe_mul(&s2, &s2, &z1z1);
    fe_sub(&h, &u2, &u1);
    fe_sub(&rr, &s2, &s1);
    if (fe_is_zero(&h)) {
        if (fe_is_zero(&rr)) { jac_double(r, p); return; }
        memset(r, 0, sizeof *r);
        r->X = FE_ONE; r->Y = FE_ONE;
        return;
    }
    fe_dbl(&i, &h);
    fe_sqr(&i, &i);
    fe_mul(&j, &h, &i);
    fe_dbl(&rr, &rr);
    fe_mul(&v, &u1, &i);
    fe_sqr(&t0, &rr);
    fe_sub(&t0, &t0, &j);
    fe_dbl(&t1, &v);
    fe_sub(&t0, &t0, &t1);
    fe_sub(&t1, &v, &t0);
    fe_mul(&t1, &rr, &t1);
    fe_mul(&v, &s1, &j);
    fe_dbl(&v, &v);
    fe_sub(&r->Y, &t1, &v);
    r->X = t0;
    fe_add(&t0, &p->Z, &q->Z);
    fe_sqr(&t0, &t0);
    fe_sub(&t0, &t0, &z1z1);
    fe_sub(&t0, &t0, &z2z2);
    fe_mul(&r->Z, &t0, &h);
}

int jac_to_affine(ge_affine *r, const ge_jac *p) {
    if (TK_PUBLIC_BOOL(fe_is_zero(&p->Z))) return -1;  /* infinity is never a secret result */
    fe zi, zi2, zi3;
    fe_inv(&zi, &p->Z);
    fe_sqr(&zi2, &zi);
    fe_mul(&zi3, &zi2, &zi);
    fe_mul(&r->x, &p->X, &zi2);
    fe_mul(&r->y, &p->Y, &zi3);
    return 0;
}

int jac_batch_to_affine(ge_affine *out, const ge_jac *in, size_t count) {
    if (count == 0) return 0;
    /* prefix products of Z stored in out[i].x, then one inversion walked backwards */
    fe acc = FE_ONE;
    for (size_t i = 0; i < count; i++) {
        if (fe_is_zero(&in[i].Z)) return -1;
        out[i].x = acc;
        fe_mul(&acc, &acc, &in[i].Z);
    }
    fe inv;
    fe_inv(&inv, &acc);
    for (size_t i = count; i-- > 0;) {
        fe zi, zi2, zi3;
        fe_mul(&zi, &inv, &out[i].x);            /* 1 / Z_i */
        fe_mul(&inv, &inv, &in[i].Z);
        fe_sqr(&zi2, &zi);
        fe_mul(&zi3, &zi2, &zi);
        fe_mul(&out[i].x, &in[i].X, &zi2);
        fe_mul(&out[i].y, &in[i].Y, &zi3);
    }
    return 0;
}

/* ---- complete projective formulas (RCB 2016, a = -3) ------------------------------------------ */

void proj_add(ge_proj *r, const ge_proj *p, const ge_proj *q) {
    fe t0, t1, t2, t3, t4, x3, y3, z3;
    fe_mul(&t0, &p->X, &q->X);
    fe_mul(&t1, &p->Y, &q->Y);
    fe_mul(&t2, &p->Z, &q->Z);
    fe_add(&t3, &p->X, &p->Y);
    fe_add(&t4, &q->X, &q->Y);
    fe_mul(&t3, &t3, &t4);
    fe_add(&t4, &t0, &t1);
    fe_sub(&t3, &t3, &t4);
    fe_add(&t4, &p->Y, &p->Z);
    fe_add(&x3, &q->Y, &q->Z);
    fe_mul(&t4, &t4, &x3);
    fe_add(&x3, &t1, &t2);
    fe_sub(&t4, &t4, &x3);
    fe_add(&x3, &p->X, &p->Z);
    fe_add(&y3, &q->X, &q->Z);
    fe_mul(&x3, &x3, &y3);
    fe_add(&y3, &t0, &t2);
    fe_sub(&y3, &x3, &y3);
    fe_mul(&z3, &FE_B, &t2);
    fe_sub(&x3, &y3, &z3);
    fe_add(&z3, &x3, &x3);
    fe_add(&x3, &x3, &z3);
    fe_sub(&z3, &t1, &x3);
    fe_add(&x3, &t1, &x3);
    fe_mul(&y3, &FE_B, &y3);
    fe_add(&t1, &t2, &t2);
    fe_add(&t2, &t1, &t2);
    fe_sub(&y3, &y3, &t2);
    fe_sub(&y3, &y3, &t0);
    fe_add(&t1, &y3, &y3);
    fe_add(&y3, &t1, &y3);
    fe_add(&t1, &t0, &t0);
    fe_add(&t0, &t1, &t0);
    fe_sub(&t0, &t0, &t2);
    fe_mul(&t1, &t4, &y3);
    fe_mul(&t2, &t0, &y3);
    fe_mul(&y3, &x3, &z3);
    fe_add(&y3, &y3, &t2);
    fe_mul(&x3, &x3, &t3);
    fe_sub(&x3, &x3, &t1);
    fe_mul(&z3, &t4, &z3);
    fe_mul(&t1, &t3, &t0);
    fe_add(&z3, &z3, &t1);
    r->X = x3;
    r->Y = y3;
    r->Z = z3;
}

void proj_double(ge_proj *r, const ge_proj *p) {
    fe t0, t1, t2, t3, x3, y3, z3;
    fe_sqr(&t0, &p->X);
    fe_sqr(&t1, &p->Y);
    fe_sqr(&t2, &p->Z);
    fe_mul(&t3, &p->X, &p->Y);
    fe_add(&t3, &t3, &t3);
    fe_mul(&z3, &p->X, &p->Z);
    fe_add(&z3, &z3, &z3);
    fe_mul(&y3, &FE_B, &t2);
    fe_sub(&y3, &y3, &z3);
    fe_add(&x3, &y3, &y3);
    fe_add(&y3, &x3, &y3);
    fe_sub(&x3, &t1, &y3);
    fe_add(&y3, &t1, &y3);
    fe_mul(&y3, &x3, &y3);
    fe_mul(&x3, &x3, &t3);
    fe_add(&t3, &t2, &t2);
    fe_add(&t2, &t2, &t3);
    fe_mul(&z3, &FE_B, &z3);
    fe_sub(&z3, &z3, &t2);
    fe_sub(&z3, &z3, &t0);
    fe_add(&t3, &z3, &z3);
    fe_add(&z3, &z3, &t3);
    fe_add(&t3, &t0, &t0);
    fe_add(&t0, &t3, &t0);
    fe_sub(&t0, &t0, &t2);
    fe_mul(&t0, &t0, &z3);
    fe_add(&y3, &y3, &t0);
    fe_mul(&t0, &p->Y, &p->Z);
    fe_add(&t0, &t0, &t0);
    fe_mul(&z3, &t0, &z3);
    fe_sub(&x3, &x3, &z3);
    fe_mul(&z3, &t0, &t1);
    fe_add(&z3, &z3, &z3);
    fe_add(&z3, &z3, &z3);
    r->X = x3;
    r->Y = y3;
    r->Z = z3;
}

int proj_to_affine(ge_affine *r, const ge_proj *p) {
    if (TK_PUBLIC_BOOL(fe_is_zero(&p->Z))) return -1;
    fe zi;
    fe_inv(&zi, &p->Z);
    fe_mul(&r->x, &p->X, &zi);
    fe_mul(&r->y, &p->Y, &zi);
    return 0;
}

static void proj_select(ge_proj *r, uint64_t mask, const ge_proj *a, const ge_proj *b) {
    fe_select(&r->X, mask, &a->X, &b->X);
    fe_select(&r->Y, mask, &a->Y, &b->Y);
    fe_select(&r->Z, mask, &a->Z, &b->Z);
}

int ge_mul_ct(ge_affine *r, const ge_affine *p, const uint64_t k[4]) {
    ge_proj table[16], acc, pick;
    memset(&table[0], 0, sizeof table[0]);
    table[0].Y = FE_ONE;                                   /* (0 : 1 : 0) */
    table[1].X = p->x;
    table[1].Y = p->y;
    table[1].Z = FE_ONE;
    for (int i = 2; i < 16; i++) proj_add(&table[i], &table[i - 1], &table[1]);
    acc = table[0];
    for (int w = 63; w >= 0; w--) {
        for (int d = 0; d < 4; d++) proj_double(&acc, &acc);
        uint64_t digit = (k[w / 16] >> (4 * (w % 16))) & 15;
        pick = table[0];
        for (uint64_t j = 1; j < 16; j++) proj_select(&pick, ~mask_nonzero(j ^ digit), &table[j], &pick);
        proj_add(&acc, &acc, &pick);
    }
    return proj_to_affine(r, &acc);
}

/* ---- wNAF (public scalars only) -------------------------------------------------------------- */

#define WNAF_W 5
#define WNAF_TABLE (1 << (WNAF_W - 2))   /* odd multiples P, 3P, ..., 15P */

static int wnaf_digits(int8_t out[260], const uint64_t k[4]) {
    uint64_t t[5] = {k[0], k[1], k[2], k[3], 0};
    int len = 0;
    while (t[0] | t[1] | t[2] | t[3] | t[4]) {
        int8_t d = 0;
        if (t[0] & 1) {
            int v = (int)(t[0] & ((1u << WNAF_W) - 1));
            if (v >= (1 << (WNAF_W - 1))) v -= (1 << WNAF_W);
            d = (int8_t)v;
            /* t -= v */
            if (v > 0) {
                uint64_t borrow = (uint64_t)v;
                for (int i = 0; i < 5 && borrow; i++) {
                    uint64_t old = t[i];
                    t[i] = old - borrow;
                    borrow = old < borrow;
                }
            } else {
                uint64_t carry = (uint64_t)(-v);
                for (int i = 0; i < 5 && carry; i++) {
                    t[i] += carry;
                    carry = t[i] < carry;
                }
            }
        }
        out[len++] = d;
        for (int i = 0; i < 4; i++) t[i] = (t[i] >> 1) | (t[i + 1] << 63);
        t[4] >>= 1;
    }
    return len;
}

void ge_mul_wnaf_vt(ge_jac *r, const ge_affine *p, const uint64_t k[4]) {
    int8_t digits[260];
    int len = wnaf_digits(digits, k);
    ge_jac table[WNAF_TABLE], twice;
    jac_from_affine(&table[0], p);
    jac_double(&twice, &table[0]);
    for (int i = 1; i < WNAF_TABLE; i++) jac_add_vt(&table[i], &table[i - 1], &twice);
    ge_jac acc;
    memset(&acc, 0, sizeof acc);
    acc.X = FE_ONE;
    acc.Y = FE_ONE;
    for (int i = len - 1; i >= 0; i--) {
        jac_double(&acc, &acc);
        int d = digits[i];
        if (d > 0) {
            jac_add_vt(&acc, &acc, &table[d >> 1]);
        } else if (d < 0) {
            ge_jac neg = table[(-d) >> 1];
            fe_neg(&neg.Y, &neg.Y);
            jac_add_vt(&acc, &acc, &neg);
        }
    }
    *r = acc;
}
