#include "sm2_comb.h"

#include <stdlib.h>

int comb_build(comb_table *t, const ge_affine *base) {
    const size_t total = (size_t)COMB_WINDOWS * COMB_POINTS;
    ge_jac *jac = malloc(total * sizeof *jac);
    if (!jac) return -1;
    ge_jac window_base;
    jac_from_affine(&window_base, base);
    for (int i = 0; i < COMB_WINDOWS; i++) {
        ge_jac *row = jac + (size_t)i * COMB_POINTS;
        row[0] = window_base;
        ge_jac twice;
        jac_double(&twice, &window_base);
        row[1] = twice;
        for (int j = 2; j < COMB_POINTS; j++) jac_add_vt(&row[j], &row[j - 1], &window_base);
        /* next window base: 2^7 * window_base = 2 * (64 * window_base) */
        jac_double(&window_base, &row[COMB_POINTS - 1]);
    }
    int rc = jac_batch_to_affine(&t->pt[0][0], jac, total);
    free(jac);
    return rc;
}

/* 8 bits of k starting at bit position pos (may be -1 for the first window); k has 5 limbs. */
static unsigned window_bits(const uint64_t k[5], int pos) {
    if (pos < 0) return (unsigned)(k[0] << 1) & 0xFF;
    int limb = pos / 64, off = pos % 64;
    uint64_t w = k[limb] >> off;
    if (off > 56) w |= k[limb + 1] << (64 - off);
    return (unsigned)w & 0xFF;
}

/* Booth recoding of one window: digit magnitude in 0..64 and a negation mask. Branch-free. */
static void booth_recode(unsigned bits, unsigned *mag, uint64_t *neg_mask) {
    unsigned top = (bits >> 7) & 1;
    unsigned v = (bits >> 1) + (bits & 1);          /* 0..128 */
    unsigned neg_v = 128u - v;
    unsigned m = 0u - top;
    *mag = (neg_v & m) | (v & ~m);
    *neg_mask = (uint64_t)0 - (uint64_t)top;
}

static void gather_ct(ge_affine *out, const ge_affine row[COMB_POINTS], unsigned mag) {
    memset(out, 0, sizeof *out);
    for (unsigned j = 0; j < COMB_POINTS; j++) {
        uint64_t m = ~mask_nonzero((uint64_t)((j + 1) ^ mag));
        for (int l = 0; l < 4; l++) {
            out->x.v[l] |= row[j].x.v[l] & m;
            out->y.v[l] |= row[j].y.v[l] & m;
        }
    }
}

static void jac_select(ge_jac *r, uint64_t mask, const ge_jac *a, const ge_jac *b) {
    fe_select(&r->X, mask, &a->X, &b->X);
    fe_select(&r->Y, mask, &a->Y, &b->Y);
    fe_select(&r->Z, mask, &a->Z, &b->Z);
}

int comb_mul_ct(ge_jac *r, const comb_table *t, const uint64_t k[4]) {
    const uint64_t kk[5] = {k[0], k[1], k[2], k[3], 0};
    ge_jac acc, sum, fresh;
    memset(&acc, 0, sizeof acc);
    uint64_t acc_inf = ~(uint64_t)0, bad = 0;
    for (int i = 0; i < COMB_WINDOWS; i++) {
        unsigned mag;
        uint64_t neg;
        booth_recode(window_bits(kk, 7 * i - 1), &mag, &neg);
        ge_affine q;
        gather_ct(&q, t->pt[i], mag);
        fe negy;
        fe_neg(&negy, &q.y);
        fe_select(&q.y, neg, &negy, &q.y);
        uint64_t h_zero = jac_madd_ct(&sum, &acc, &q);
        uint64_t digit_zero = ~mask_nonzero(mag);
        bad |= ~acc_inf & ~digit_zero & h_zero;
        jac_from_affine(&fresh, &q);
        jac_select(&sum, acc_inf, &fresh, &sum);
        jac_select(&acc, digit_zero, &acc, &sum);
        acc_inf &= digit_zero;
    }
    *r = acc;
    return (bad | acc_inf) ? -1 : 0;
}

void comb_mul_add_vt(ge_jac *acc, const comb_table *t, const uint64_t k[4]) {
    const uint64_t kk[5] = {k[0], k[1], k[2], k[3], 0};
    for (int i = 0; i < COMB_WINDOWS; i++) {
        unsigned mag;
        uint64_t neg;
        booth_recode(window_bits(kk, 7 * i - 1), &mag, &neg);
        if (!mag) continue;
        const ge_affine *q = &t->pt[i][mag - 1];
        if (neg) {
            ge_affine nq;
            jac_neg_affine(&nq, q);
            jac_madd_vt(acc, acc, &nq);
        } else {
            jac_madd_vt(acc, acc, q);
        }
    }
}
