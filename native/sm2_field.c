/* Constants and the slower field/scalar routines: conversions, inversion, square root. */
#include "sm2_field.h"

const uint64_t SM2_P[4] = {0xFFFFFFFFFFFFFFFFULL, 0xFFFFFFFF00000000ULL,
                           0xFFFFFFFFFFFFFFFFULL, 0xFFFFFFFEFFFFFFFFULL};
const uint64_t SM2_N[4] = {0x53BBF40939D54123ULL, 0x7203DF6B21C6052BULL,
                           0xFFFFFFFFFFFFFFFFULL, 0xFFFFFFFEFFFFFFFFULL};
const fe FE_ONE = {{0x0000000000000001ULL, 0x00000000FFFFFFFFULL,
                    0x0000000000000000ULL, 0x0000000100000000ULL}};
const fe FE_R2 = {{0x0000000200000003ULL, 0x00000002FFFFFFFFULL,
                   0x0000000100000001ULL, 0x0000000400000002ULL}};
/* b * R mod p */
const fe FE_B = {{0x90D230632BC0DD42ULL, 0x71CF379AE9B537ABULL,
                  0x527981505EA51C3CULL, 0x240FE188BA20E2C8ULL}};
const sc SC_R2 = {{0x901192AF7C114F20ULL, 0x3464504ADE6FA2FAULL,
                   0x620FC84C3AFFE0D4ULL, 0x1EB5E412A22B3D3BULL}};

void limbs_from_be(uint64_t r[4], const uint8_t in[32]) {
    for (int i = 0; i < 4; i++) {
        uint64_t w = 0;
        for (int j = 0; j < 8; j++) w = (w << 8) | in[(3 - i) * 8 + j];
        r[i] = w;
    }
}

void limbs_to_be(uint8_t out[32], const uint64_t a[4]) {
    for (int i = 0; i < 4; i++)
        for (int j = 0; j < 8; j++) out[(3 - i) * 8 + j] = (uint8_t)(a[i] >> (56 - 8 * j));
}

uint64_t limbs_lt_mask(const uint64_t a[4], const uint64_t m[4]) {
    uint64_t t[4];
    return (uint64_t)0 - limbs_sub(t, a, m);
}

/*
 * r = a^e for a fixed public exponent e, 4-bit fixed windows. The exponent is a public
 * constant, so the sequence of operations does not depend on secret data.
 */
static void fe_pow_fixed(fe *r, const fe *a, const uint64_t e[4]) {
    fe table[16];
    table[0] = FE_ONE;
    table[1] = *a;
    for (int i = 2; i < 16; i++) fe_mul(&table[i], &table[i - 1], a);
    fe acc = FE_ONE;
    for (int i = 63; i >= 0; i--) {
        for (int k = 0; k < 4; k++) fe_sqr(&acc, &acc);
        unsigned digit = (unsigned)(e[i / 16] >> (4 * (i % 16))) & 15;
        fe_mul(&acc, &acc, &table[digit]);
    }
    *r = acc;
}

void fe_inv(fe *r, const fe *a) {
    static const uint64_t p_minus_2[4] = {0xFFFFFFFFFFFFFFFDULL, 0xFFFFFFFF00000000ULL,
                                          0xFFFFFFFFFFFFFFFFULL, 0xFFFFFFFEFFFFFFFFULL};
    fe_pow_fixed(r, a, p_minus_2);
}

int fe_sqrt(fe *r, const fe *a) {
    /* (p + 1) / 4 */
    static const uint64_t e[4] = {0x4000000000000000ULL, 0xFFFFFFFFC0000000ULL,
                                  0xFFFFFFFFFFFFFFFFULL, 0x3FFFFFFFBFFFFFFFULL};
    fe root, check;
    fe_pow_fixed(&root, a, e);
    fe_sqr(&check, &root);
    *r = root;
    return fe_equal(&check, a) ? 1 : 0;
}

void sc_to_mont(sc *r, const sc *a) { sc_mul(r, a, &SC_R2); }

void sc_from_mont(sc *r, const sc *a) {
    sc one = {{1, 0, 0, 0}};
    sc_mul(r, a, &one);
}

void sc_inv_mont(sc *r, const sc *a_mont) {
    static const uint64_t n_minus_2[4] = {0x53BBF40939D54121ULL, 0x7203DF6B21C6052BULL,
                                          0xFFFFFFFFFFFFFFFFULL, 0xFFFFFFFEFFFFFFFFULL};
    sc table[16], acc;
    sc one_plain = {{1, 0, 0, 0}};
    sc_to_mont(&table[0], &one_plain);
    table[1] = *a_mont;
    for (int i = 2; i < 16; i++) sc_mul(&table[i], &table[i - 1], a_mont);
    acc = table[0];
    for (int i = 63; i >= 0; i--) {
        for (int k = 0; k < 4; k++) sc_mul(&acc, &acc, &acc);
        unsigned digit = (unsigned)(n_minus_2[i / 16] >> (4 * (i % 16))) & 15;
        sc_mul(&acc, &acc, &table[digit]);
    }
    *r = acc;
}

void sc_reduce_once(sc *r, const uint64_t a[4]) { limbs_reduce_once(r->v, a, 0, SM2_N); }
