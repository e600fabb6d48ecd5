#include "sm2_engine.h"

#include <errno.h>
#include <stdlib.h>
#include <sys/random.h>

#include "sm3.h"

static comb_table *g_table;

static const uint8_t CURVE_A_B_G[128] = {
    /* a */
    0xFF, 0xFF, 0xFF, 0xFE, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF,
    0xFF, 0xFF, 0xFF, 0xFF, 0x00, 0x00, 0x00, 0x00, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFC,
    /* b */
    0x28, 0xE9, 0xFA, 0x9E, 0x9D, 0x9F, 0x5E, 0x34, 0x4D, 0x5A, 0x9E, 0x4B, 0xCF, 0x65, 0x09, 0xA7,
    0xF3, 0x97, 0x89, 0xF5, 0x15, 0xAB, 0x8F, 0x92, 0xDD, 0xBC, 0xBD, 0x41, 0x4D, 0x94, 0x0E, 0x93,
    /* Gx */
    0x32, 0xC4, 0xAE, 0x2C, 0x1F, 0x19, 0x81, 0x19, 0x5F, 0x99, 0x04, 0x46, 0x6A, 0x39, 0xC9, 0x94,
    0x8F, 0xE3, 0x0B, 0xBF, 0xF2, 0x66, 0x0B, 0xE1, 0x71, 0x5A, 0x45, 0x89, 0x33, 0x4C, 0x74, 0xC7,
    /* Gy */
    0xBC, 0x37, 0x36, 0xA2, 0xF4, 0xF6, 0x77, 0x9C, 0x59, 0xBD, 0xCE, 0xE3, 0x6B, 0x69, 0x21, 0x53,
    0xD0, 0xA9, 0x87, 0x7C, 0xC6, 0x2A, 0x47, 0x40, 0x02, 0xDF, 0x32, 0xE5, 0x21, 0x39, 0xF0, 0xA0,
};

int sm2_engine_init(void) {
    if (g_table) return SM2_OK;
    sm2_point_init();
    comb_table *t = malloc(sizeof *t);
    if (!t) return SM2_ERR_MEMORY;
    if (comb_build(t, &SM2_G)) {
        free(t);
        return SM2_ERR_MEMORY;
    }
    g_table = t;
    return SM2_OK;
}

const comb_table *sm2_generator_table(void) { return g_table; }

static void secure_wipe(void *p, size_t len) {
    volatile uint8_t *v = p;
    while (len--) *v++ = 0;
}

static int fill_random(uint8_t *buf, size_t len) {
    while (len) {
        ssize_t got = getrandom(buf, len, 0);
        if (got < 0) {
            if (errno == EINTR) continue;
            return SM2_ERR_RANDOM;
        }
        buf += got;
        len -= (size_t)got;
    }
    return SM2_OK;
}

/* 1 <= k <= max, where max is n-1 or n-2 (public bound; k may be secret: constant time) */
static uint64_t scalar_in_range_mask(const uint64_t k[4], const uint64_t max_plus_one[4]) {
    return limbs_lt_mask(k, max_plus_one) & ~limbs_is_zero_mask(k);
}

int sm2_random_scalar(uint64_t k[4]) {
    uint8_t buf[32];
    for (int tries = 0; tries < 64; tries++) {
        if (fill_random(buf, sizeof buf)) return SM2_ERR_RANDOM;
        limbs_from_be(k, buf);
        /* rejection sampling, no modular bias; a rejected draw says nothing about the kept one */
        if (TK_PUBLIC_BOOL(scalar_in_range_mask(k, SM2_N))) {
            secure_wipe(buf, sizeof buf);
            return SM2_OK;
        }
    }
    return SM2_ERR_RANDOM;
}

static int base_multiply_affine(ge_affine *out, const uint64_t k[4]) {
    ge_jac r;
    /* the comb's exception flag has probability ~2^-250 for random scalars */
    if (!TK_PUBLIC_BOOL(comb_mul_ct(&r, g_table, k))) return jac_to_affine(out, &r);
    /* exceptional case inside the comb (probability ~2^-250) or k == 0: complete formulas */
    return ge_mul_ct(out, &SM2_G, k);
}

int sm2_private_init(sm2_private *key, const uint8_t d[32]) {
    static const uint64_t n_minus_1[4] = {0x53BBF40939D54122ULL, 0x7203DF6B21C6052BULL,
                                          0xFFFFFFFFFFFFFFFFULL, 0xFFFFFFFEFFFFFFFFULL};
    limbs_from_be(key->d, d);
    if (!TK_PUBLIC_BOOL(scalar_in_range_mask(key->d, n_minus_1))) {  /* invalid keys are refused */
        secure_wipe(key, sizeof *key);
        return SM2_ERR_RANGE;
    }
    ge_affine pub;
    if (base_multiply_affine(&pub, key->d)) return SM2_ERR_POINT;
    ge_to_bytes(key->pub, &pub);
    sc one = {{1, 0, 0, 0}}, t, tm;
    memcpy(t.v, key->d, sizeof t.v);
    sc_add(&t, &t, &one);
    sc_to_mont(&tm, &t);
    sc_inv_mont(&key->u_mont, &tm);
    secure_wipe(&t, sizeof t);
    secure_wipe(&tm, sizeof tm);
    return SM2_OK;
}

void sm2_private_wipe(sm2_private *key) { secure_wipe(key, sizeof *key); }

int sm2_public_init(sm2_public *key, const uint8_t xy[64]) {
    int rc = ge_from_bytes(&key->P, xy);
    if (rc == -1) return SM2_ERR_RANGE;
    if (rc) return SM2_ERR_POINT;
    memcpy(key->xy, xy, 64);
    return SM2_OK;
}

/* x coordinate of an affine point as an integer mod n */
static void x_mod_n(sc *r, const ge_affine *a) {
    fe plain;
    fe_from_mont(&plain, &a->x);
    sc_reduce_once(r, plain.v);
}

static int sign_with_nonce(const sm2_private *key, const sc *e, const uint64_t k[4], uint8_t rs[64]) {
    ge_affine R;
    if (base_multiply_affine(&R, k)) return SM2_ERR_NONCE;
    sc x1, r, s, kr, kk;
    x_mod_n(&x1, &R);
    sc_add(&r, e, &x1);
    TK_DECLASSIFY(&r, sizeof r);          /* r is part of the published signature */
    memcpy(kk.v, k, sizeof kk.v);
    sc_add(&kr, &kk, &r);
    /* r = 0 or r + k = n: discard the nonce (negligible-probability events) */
    if (sc_is_zero(&r) || TK_PUBLIC_BOOL(sc_is_zero(&kr))) return SM2_ERR_NONCE;
    sc_mul(&s, &key->u_mont, &kr);        /* (1 + d)^-1 (k + r) */
    sc_sub(&s, &s, &r);
    TK_DECLASSIFY(&s, sizeof s);          /* s is part of the published signature */
    if (sc_is_zero(&s)) return SM2_ERR_NONCE;
    limbs_to_be(rs, r.v);
    limbs_to_be(rs + 32, s.v);
    secure_wipe(&kk, sizeof kk);
    secure_wipe(&kr, sizeof kr);
    return SM2_OK;
}

int sm2_sign_digest(const sm2_private *key, const uint8_t e_bytes[32], const uint8_t *k_bytes,
                    uint8_t rs[64]) {
    uint64_t e_int[4], k[4];
    sc e;
    limbs_from_be(e_int, e_bytes);
    sc_reduce_once(&e, e_int);
    if (k_bytes) {
        limbs_from_be(k, k_bytes);
        if (!TK_PUBLIC_BOOL(scalar_in_range_mask(k, SM2_N))) return SM2_ERR_RANGE;
        int rc = sign_with_nonce(key, &e, k, rs);
        secure_wipe(k, sizeof k);
        return rc;
    }
    for (int tries = 0; tries < 64; tries++) {
        int rc = sm2_random_scalar(k);
        if (rc) return rc;
        rc = sign_with_nonce(key, &e, k, rs);
        if (rc != SM2_ERR_NONCE) {
            secure_wipe(k, sizeof k);
            return rc;
        }
    }
    return SM2_ERR_RANDOM;
}

/* ---- verification: public data only, variable time ------------------------------------------ */

static int scalar_from_be_checked(sc *r, const uint8_t in[32]) {
    limbs_from_be(r->v, in);
    return scalar_in_range_mask(r->v, SM2_N) ? 0 : -1;
}

/* Does the Jacobian point R have affine x == c or x == c + n (when c + n < p)? (GB/T 32918.2 B7) */
static int x_matches(const ge_jac *R, const sc *c) {
    fe z2, cm, rhs, cand;
    fe_sqr(&z2, &R->Z);
    memcpy(cand.v, c->v, sizeof cand.v);
    fe_to_mont(&cm, &cand);
    fe_mul(&rhs, &cm, &z2);
    if (fe_equal(&rhs, &R->X)) return 1;
    uint64_t sum[4];
    if (limbs_add(sum, c->v, SM2_N)) return 0;
    if (!limbs_lt_mask(sum, SM2_P)) return 0;
    memcpy(cand.v, sum, sizeof cand.v);
    fe_to_mont(&cm, &cand);
    fe_mul(&rhs, &cm, &z2);
    return fe_equal(&rhs, &R->X) ? 1 : 0;
}

int sm2_verify_digest(const sm2_public *key, const comb_table *table, const uint8_t e_bytes[32],
                      const uint8_t rs[64]) {
    sc r, s, t, e, c;
    if (scalar_from_be_checked(&r, rs) || scalar_from_be_checked(&s, rs + 32)) return 0;
    sc_add(&t, &r, &s);
    if (sc_is_zero(&t)) return 0;
    uint64_t e_int[4];
    limbs_from_be(e_int, e_bytes);
    sc_reduce_once(&e, e_int);
    ge_jac R;
    if (table) {
        memset(&R, 0, sizeof R);
        comb_mul_add_vt(&R, table, t.v);
    } else {
        ge_mul_wnaf_vt(&R, &key->P, t.v);
    }
    comb_mul_add_vt(&R, g_table, s.v);
    if (fe_is_zero(&R.Z)) return 0;
    sc_sub(&c, &r, &e);
    return x_matches(&R, &c);
}

/* ---- Z_A and e ---------------------------------------------------------------------------- */

void sm2_compute_za(uint8_t za[32], const uint8_t *id, size_t id_len, const uint8_t xy[64]) {
    sm3_ctx ctx;
    uint8_t entl[2] = {(uint8_t)((id_len * 8) >> 8), (uint8_t)(id_len * 8)};
    sm3_init(&ctx);
    sm3_update(&ctx, entl, 2);
    sm3_update(&ctx, id, id_len);
    sm3_update(&ctx, CURVE_A_B_G, sizeof CURVE_A_B_G);
    sm3_update(&ctx, xy, 64);
    sm3_final(&ctx, za);
}

void sm2_message_digest(uint8_t e[32], const uint8_t za[32], const uint8_t *msg, size_t len) {
    sm3_ctx ctx;
    sm3_init(&ctx);
    sm3_update(&ctx, za, 32);
    sm3_update(&ctx, msg, len);
    sm3_final(&ctx, e);
}

/* ---- point multiplication for key generation, encryption and decryption ------------------- */

int sm2_base_multiply(uint8_t out[64], const uint8_t k_bytes[32]) {
    uint64_t k[4];
    ge_affine r;
    limbs_from_be(k, k_bytes);
    if (!TK_PUBLIC_BOOL(scalar_in_range_mask(k, SM2_N))) return SM2_ERR_RANGE;
    int rc = base_multiply_affine(&r, k);
    secure_wipe(k, sizeof k);
    if (rc) return SM2_ERR_POINT;
    ge_to_bytes(out, &r);
    return SM2_OK;
}

int sm2_point_multiply(uint8_t out[64], const sm2_public *p, const uint8_t k_bytes[32]) {
    uint64_t k[4];
    ge_affine r;
    limbs_from_be(k, k_bytes);
    if (!TK_PUBLIC_BOOL(scalar_in_range_mask(k, SM2_N))) return SM2_ERR_RANGE;
    int rc = ge_mul_ct(&r, &p->P, k);
    secure_wipe(k, sizeof k);
    if (rc) return SM2_ERR_POINT;
    ge_to_bytes(out, &r);
    return SM2_OK;
}
