/*
 * Arithmetic modulo the SM2 prime p and the group order n (GB/T 32918.5 curve).
 *
 * Elements are 4 little-endian 64-bit limbs in Montgomery form (R = 2^256). Every routine
 * here is branch-free and free of secret-dependent memory access: the same code serves the
 * constant-time signing paths and the verification paths.
 */
#ifndef TRUSTKIT_SM2_FIELD_H
#define TRUSTKIT_SM2_FIELD_H

#include <stdint.h>
#include <string.h>

typedef unsigned __int128 u128;

typedef struct { uint64_t v[4]; } fe;   /* mod p, Montgomery form */
typedef struct { uint64_t v[4]; } sc;   /* mod n; Montgomery or plain as each caller documents */

extern const uint64_t SM2_P[4];
extern const uint64_t SM2_N[4];
extern const fe FE_ONE;      /* R mod p: 1 in Montgomery form */
extern const fe FE_B;        /* curve b, Montgomery form */
extern const fe FE_R2;       /* R^2 mod p */
extern const sc SC_R2;       /* R^2 mod n */
#define SM2_N0 0x327F9E8872350975ULL   /* -n^-1 mod 2^64 */

#define TK_INLINE static inline __attribute__((always_inline))

/*
 * Constant-time audit hooks. Built with -DTK_CTGRIND, secrets are marked undefined for valgrind's
 * memcheck, which then reports any branch or memory index that depends on them; TK_DECLASSIFY marks
 * the few values that are public by design (a signature's r and s, negligible-probability retry
 * flags). In normal builds both are no-ops.
 */
#ifdef TK_CTGRIND
#include <valgrind/memcheck.h>
#define TK_CLASSIFY(p, n) VALGRIND_MAKE_MEM_UNDEFINED((p), (n))
#define TK_DECLASSIFY(p, n) VALGRIND_MAKE_MEM_DEFINED((p), (n))
#else
#define TK_CLASSIFY(p, n) ((void)0)
#define TK_DECLASSIFY(p, n) ((void)0)
#endif

/* a mask or flag that may be branched on because its value is public by design */
#define TK_PUBLIC_BOOL(x) tk_public_bool((uint64_t)(x))
static inline int tk_public_bool(uint64_t v) {
    TK_DECLASSIFY(&v, sizeof v);
    return v != 0;
}

/* ---- limb helpers -------------------------------------------------------------------- */

/* all-ones when x != 0, else 0 */
TK_INLINE uint64_t mask_nonzero(uint64_t x) { return (uint64_t)0 - ((x | ((uint64_t)0 - x)) >> 63); }

TK_INLINE uint64_t limbs_is_zero_mask(const uint64_t a[4]) {
    return ~mask_nonzero(a[0] | a[1] | a[2] | a[3]);
}

/* r = a when mask is all-ones, b when zero */
TK_INLINE void limbs_select(uint64_t r[4], uint64_t mask, const uint64_t a[4], const uint64_t b[4]) {
    for (int i = 0; i < 4; i++) r[i] = (a[i] & mask) | (b[i] & ~mask);
}

/* r = a - m, returns borrow (0/1) */
TK_INLINE uint64_t limbs_sub(uint64_t r[4], const uint64_t a[4], const uint64_t m[4]) {
    uint64_t borrow = 0;
    for (int i = 0; i < 4; i++) {
        u128 d = (u128)a[i] - m[i] - borrow;
        r[i] = (uint64_t)d;
        borrow = (uint64_t)(d >> 64) & 1;
    }
    return borrow;
}

/* r = a + b, returns carry */
TK_INLINE uint64_t limbs_add(uint64_t r[4], const uint64_t a[4], const uint64_t b[4]) {
    uint64_t carry = 0;
    for (int i = 0; i < 4; i++) {
        u128 s = (u128)a[i] + b[i] + carry;
        r[i] = (uint64_t)s;
        carry = (uint64_t)(s >> 64);
    }
    return carry;
}

/* Reduce a value t (< 2m, given as 4 limbs plus a top bit) into [0, m). */
TK_INLINE void limbs_reduce_once(uint64_t r[4], const uint64_t t[4], uint64_t top, const uint64_t m[4]) {
    uint64_t s[4];
    uint64_t borrow = limbs_sub(s, t, m);
    uint64_t keep = (uint64_t)0 - (borrow & ~top & 1);   /* t < m: keep t */
    limbs_select(r, keep, t, s);
}

/* Montgomery product r = a*b/R mod m, CIOS with 128-bit accumulators. */
TK_INLINE void mont_mul(uint64_t r[4], const uint64_t a[4], const uint64_t b[4],
                        const uint64_t m[4], uint64_t n0) {
    uint64_t t0 = 0, t1 = 0, t2 = 0, t3 = 0, t4 = 0;
    for (int i = 0; i < 4; i++) {
        u128 c;
        uint64_t bi = b[i];
        c = (u128)a[0] * bi + t0; t0 = (uint64_t)c;
        c = (u128)a[1] * bi + t1 + (uint64_t)(c >> 64); t1 = (uint64_t)c;
        c = (u128)a[2] * bi + t2 + (uint64_t)(c >> 64); t2 = (uint64_t)c;
        c = (u128)a[3] * bi + t3 + (uint64_t)(c >> 64); t3 = (uint64_t)c;
        c = (u128)t4 + (uint64_t)(c >> 64); t4 = (uint64_t)c;
        uint64_t t5 = (uint64_t)(c >> 64);
        uint64_t q = t0 * n0;
        c = (u128)q * m[0] + t0;
        c = (u128)q * m[1] + t1 + (uint64_t)(c >> 64); t0 = (uint64_t)c;
        c = (u128)q * m[2] + t2 + (uint64_t)(c >> 64); t1 = (uint64_t)c;
        c = (u128)q * m[3] + t3 + (uint64_t)(c >> 64); t2 = (uint64_t)c;
        c = (u128)t4 + (uint64_t)(c >> 64); t3 = (uint64_t)c;
        t4 = t5 + (uint64_t)(c >> 64);
    }
    uint64_t t[4] = {t0, t1, t2, t3};
    limbs_reduce_once(r, t, t4, m);
}

/*
 * Montgomery product specialised for p = 2^256 - 2^224 - 2^96 + 2^64 - 1, where -p^-1 = 1.
 * One reduction step with q = t0 adds q*p; (t + q*p) / 2^64 = (t >> 64) + X*2^160 - X with
 * X = q*(2^32 - 1), so no multiplications by p are needed. Operand scanning keeps the
 * accumulator at six limbs. x86-64 uses explicit carry chains; other targets use __int128.
 */
#if defined(__x86_64__) && (defined(__GNUC__) || defined(__clang__)) && !defined(TK_PORTABLE)
#include <x86intrin.h>
#define TK_X86 1
typedef unsigned long long tk_u64;

/* (t0..t5) += a * bi */
#define TK_MUL_ROW(bi)                                                                         \
    do {                                                                                       \
        u128 p0 = (u128)a->v[0] * (bi), p1 = (u128)a->v[1] * (bi);                            \
        u128 p2 = (u128)a->v[2] * (bi), p3 = (u128)a->v[3] * (bi);                            \
        tk_u64 l0 = (tk_u64)p0, l1 = (tk_u64)p1, l2 = (tk_u64)p2, l3 = (tk_u64)p3;            \
        tk_u64 h3 = (tk_u64)(p3 >> 64);                                                        \
        unsigned char c = _addcarry_u64(0, l1, (tk_u64)(p0 >> 64), &l1);                       \
        c = _addcarry_u64(c, l2, (tk_u64)(p1 >> 64), &l2);                                     \
        c = _addcarry_u64(c, l3, (tk_u64)(p2 >> 64), &l3);                                     \
        h3 += c;                                                                               \
        c = _addcarry_u64(0, t0, l0, &t0);                                                     \
        c = _addcarry_u64(c, t1, l1, &t1);                                                     \
        c = _addcarry_u64(c, t2, l2, &t2);                                                     \
        c = _addcarry_u64(c, t3, l3, &t3);                                                     \
        c = _addcarry_u64(c, t4, h3, &t4);                                                     \
        t5 = c;                                                                                \
    } while (0)

/* (t0..t4) = (t + q p) / 2^64 with q = t0 */
#define TK_MUL_REDUCE()                                                                        \
    do {                                                                                       \
        tk_u64 q = t0, xl = q << 32, xh = q >> 32, d0, d1, d2, d3;                             \
        unsigned char b = _subborrow_u64(0, xl, q, &xl);                                       \
        xh -= b;                                                                               \
        b = _subborrow_u64(0, 0, xl, &d0);                                                     \
        b = _subborrow_u64(b, 0, xh, &d1);                                                     \
        b = _subborrow_u64(b, xl << 32, 0, &d2);                                               \
        _subborrow_u64(b, (xl >> 32) | (xh << 32), 0, &d3);                                    \
        b = _addcarry_u64(0, t1, d0, &t0);                                                     \
        b = _addcarry_u64(b, t2, d1, &t1);                                                     \
        b = _addcarry_u64(b, t3, d2, &t2);                                                     \
        b = _addcarry_u64(b, t4, d3, &t3);                                                     \
        t4 = t5 + b;                                                                           \
    } while (0)

/* r = t - p if t (with top limb t4) >= p, else t; branch-free */
TK_INLINE void fe_final_sub(fe *r, tk_u64 t0, tk_u64 t1, tk_u64 t2, tk_u64 t3, tk_u64 t4) {
    tk_u64 s0, s1, s2, s3, top;
    unsigned char bw = _subborrow_u64(0, t0, 0xFFFFFFFFFFFFFFFFULL, &s0);
    bw = _subborrow_u64(bw, t1, 0xFFFFFFFF00000000ULL, &s1);
    bw = _subborrow_u64(bw, t2, 0xFFFFFFFFFFFFFFFFULL, &s2);
    bw = _subborrow_u64(bw, t3, 0xFFFFFFFEFFFFFFFFULL, &s3);
    bw = _subborrow_u64(bw, t4, 0, &top);
    tk_u64 keep = (tk_u64)0 - bw;
    r->v[0] = (t0 & keep) | (s0 & ~keep);
    r->v[1] = (t1 & keep) | (s1 & ~keep);
    r->v[2] = (t2 & keep) | (s2 & ~keep);
    r->v[3] = (t3 & keep) | (s3 & ~keep);
}

TK_INLINE void fe_mul(fe *r, const fe *a, const fe *b) {
    tk_u64 t0 = 0, t1 = 0, t2 = 0, t3 = 0, t4 = 0, t5 = 0;
    TK_MUL_ROW(b->v[0]);
    TK_MUL_REDUCE();
    TK_MUL_ROW(b->v[1]);
    TK_MUL_REDUCE();
    TK_MUL_ROW(b->v[2]);
    TK_MUL_REDUCE();
    TK_MUL_ROW(b->v[3]);
    TK_MUL_REDUCE();
    fe_final_sub(r, t0, t1, t2, t3, t4);
}

TK_INLINE void fe_add(fe *r, const fe *a, const fe *b) {
    tk_u64 t0, t1, t2, t3;
    unsigned char c = _addcarry_u64(0, a->v[0], b->v[0], &t0);
    c = _addcarry_u64(c, a->v[1], b->v[1], &t1);
    c = _addcarry_u64(c, a->v[2], b->v[2], &t2);
    c = _addcarry_u64(c, a->v[3], b->v[3], &t3);
    fe_final_sub(r, t0, t1, t2, t3, c);
}

TK_INLINE void fe_sub(fe *r, const fe *a, const fe *b) {
    tk_u64 t0, t1, t2, t3;
    unsigned char bw = _subborrow_u64(0, a->v[0], b->v[0], &t0);
    bw = _subborrow_u64(bw, a->v[1], b->v[1], &t1);
    bw = _subborrow_u64(bw, a->v[2], b->v[2], &t2);
    bw = _subborrow_u64(bw, a->v[3], b->v[3], &t3);
    /* add p back when the subtraction borrowed: p masked by the borrow */
    tk_u64 m = (tk_u64)0 - bw;
    unsigned char c = _addcarry_u64(0, t0, m, &t0);
    c = _addcarry_u64(c, t1, m & 0xFFFFFFFF00000000ULL, &t1);
    c = _addcarry_u64(c, t2, m, &t2);
    _addcarry_u64(c, t3, m & 0xFFFFFFFEFFFFFFFFULL, &t3);
    r->v[0] = t0;
    r->v[1] = t1;
    r->v[2] = t2;
    r->v[3] = t3;
}

/* Squaring: 6 cross products doubled plus 4 squares, then the low half is Montgomery-reduced
 * (giving U <= p) and the high half added; U + high < 2p, so one final subtraction suffices. */
TK_INLINE void fe_sqr(fe *r, const fe *a) {
    tk_u64 a0 = a->v[0], a1 = a->v[1], a2 = a->v[2], a3 = a->v[3];
    tk_u64 t0, t1, t2, t3, t4, t5, t6, t7, x, y;
    unsigned char c;
    u128 m;
    /* cross products a_i * a_j, i < j */
    m = (u128)a0 * a1; t1 = (tk_u64)m; t2 = (tk_u64)(m >> 64);
    m = (u128)a0 * a2; c = _addcarry_u64(0, t2, (tk_u64)m, &t2); t3 = (tk_u64)(m >> 64);
    m = (u128)a0 * a3; c = _addcarry_u64(c, t3, (tk_u64)m, &t3); t4 = (tk_u64)(m >> 64) + c;
    m = (u128)a1 * a2; x = (tk_u64)m; y = (tk_u64)(m >> 64);
    m = (u128)a1 * a3; c = _addcarry_u64(0, y, (tk_u64)m, &y); t5 = (tk_u64)(m >> 64) + c;
    c = _addcarry_u64(0, t3, x, &t3);
    c = _addcarry_u64(c, t4, y, &t4);
    t5 += c;
    m = (u128)a2 * a3;
    c = _addcarry_u64(0, t5, (tk_u64)m, &t5);
    t6 = (tk_u64)(m >> 64) + c;
    /* double */
    t7 = t6 >> 63;
    t6 = (t6 << 1) | (t5 >> 63);
    t5 = (t5 << 1) | (t4 >> 63);
    t4 = (t4 << 1) | (t3 >> 63);
    t3 = (t3 << 1) | (t2 >> 63);
    t2 = (t2 << 1) | (t1 >> 63);
    t1 = t1 << 1;
    /* squares on the diagonal */
    m = (u128)a0 * a0; t0 = (tk_u64)m; c = _addcarry_u64(0, t1, (tk_u64)(m >> 64), &t1);
    m = (u128)a1 * a1; c = _addcarry_u64(c, t2, (tk_u64)m, &t2); c = _addcarry_u64(c, t3, (tk_u64)(m >> 64), &t3);
    m = (u128)a2 * a2; c = _addcarry_u64(c, t4, (tk_u64)m, &t4); c = _addcarry_u64(c, t5, (tk_u64)(m >> 64), &t5);
    m = (u128)a3 * a3; c = _addcarry_u64(c, t6, (tk_u64)m, &t6); _addcarry_u64(c, t7, (tk_u64)(m >> 64), &t7);
    /* Montgomery-reduce the low half: U = (t_lo + q p) / R <= p, then add the high half */
    {
        tk_u64 h4 = t4, h5 = t5, h6 = t6, h7 = t7;
        t4 = 0;
        for (int i = 0; i < 4; i++) {
            tk_u64 q = t0, xl = q << 32, xh = q >> 32, d0, d1, d2, d3;
            unsigned char b = _subborrow_u64(0, xl, q, &xl);
            xh -= b;
            b = _subborrow_u64(0, 0, xl, &d0);
            b = _subborrow_u64(b, 0, xh, &d1);
            b = _subborrow_u64(b, xl << 32, 0, &d2);
            _subborrow_u64(b, (xl >> 32) | (xh << 32), 0, &d3);
            b = _addcarry_u64(0, t1, d0, &t0);
            b = _addcarry_u64(b, t2, d1, &t1);
            b = _addcarry_u64(b, t3, d2, &t2);
            b = _addcarry_u64(b, t4, d3, &t3);
            t4 = b;
        }
        c = _addcarry_u64(0, t0, h4, &t0);
        c = _addcarry_u64(c, t1, h5, &t1);
        c = _addcarry_u64(c, t2, h6, &t2);
        c = _addcarry_u64(c, t3, h7, &t3);
        fe_final_sub(r, t0, t1, t2, t3, (tk_u64)c + t4);
    }
}

#else /* portable fallback */

TK_INLINE void fe_mul(fe *r, const fe *a, const fe *b) {
    uint64_t t0 = 0, t1 = 0, t2 = 0, t3 = 0, t4 = 0, t5;
    for (int i = 0; i < 4; i++) {
        uint64_t bi = b->v[i];
        u128 c;
        c = (u128)a->v[0] * bi + t0; t0 = (uint64_t)c;
        c = (u128)a->v[1] * bi + t1 + (uint64_t)(c >> 64); t1 = (uint64_t)c;
        c = (u128)a->v[2] * bi + t2 + (uint64_t)(c >> 64); t2 = (uint64_t)c;
        c = (u128)a->v[3] * bi + t3 + (uint64_t)(c >> 64); t3 = (uint64_t)c;
        c = (u128)t4 + (uint64_t)(c >> 64); t4 = (uint64_t)c;
        t5 = (uint64_t)(c >> 64);
        uint64_t q = t0;
        u128 x = ((u128)q << 32) - q;                 /* X = q*(2^32-1), < 2^96 */
        uint64_t xl = (uint64_t)x, xh = (uint64_t)(x >> 64), d0, d1, d2, d3, bw;
        u128 s;
        s = (u128)0 - xl;          d0 = (uint64_t)s; bw = (uint64_t)(s >> 64) & 1;
        s = (u128)0 - xh - bw;     d1 = (uint64_t)s; bw = (uint64_t)(s >> 64) & 1;
        s = (u128)(xl << 32) - bw; d2 = (uint64_t)s; bw = (uint64_t)(s >> 64) & 1;
        d3 = ((xl >> 32) | (xh << 32)) - bw;
        s = (u128)t1 + d0;                       t0 = (uint64_t)s;
        s = (u128)t2 + d1 + (uint64_t)(s >> 64); t1 = (uint64_t)s;
        s = (u128)t3 + d2 + (uint64_t)(s >> 64); t2 = (uint64_t)s;
        s = (u128)t4 + d3 + (uint64_t)(s >> 64); t3 = (uint64_t)s;
        t4 = t5 + (uint64_t)(s >> 64);
    }
    uint64_t t[4] = {t0, t1, t2, t3};
    limbs_reduce_once(r->v, t, t4, SM2_P);
}

TK_INLINE void fe_add(fe *r, const fe *a, const fe *b) {
    uint64_t t[4];
    uint64_t carry = limbs_add(t, a->v, b->v);
    limbs_reduce_once(r->v, t, carry, SM2_P);
}

TK_INLINE void fe_sub(fe *r, const fe *a, const fe *b) {
    uint64_t t[4], u[4];
    uint64_t borrow = limbs_sub(t, a->v, b->v);
    limbs_add(u, t, SM2_P);
    limbs_select(r->v, (uint64_t)0 - borrow, u, t);
}

TK_INLINE void fe_sqr(fe *r, const fe *a) { fe_mul(r, a, a); }

#endif


TK_INLINE void fe_dbl(fe *r, const fe *a) { fe_add(r, a, a); }

TK_INLINE void fe_neg(fe *r, const fe *a) {
    fe zero = {{0, 0, 0, 0}};
    fe_sub(r, &zero, a);
}

TK_INLINE uint64_t fe_is_zero(const fe *a) { return limbs_is_zero_mask(a->v); }

TK_INLINE uint64_t fe_equal(const fe *a, const fe *b) {
    uint64_t d = (a->v[0] ^ b->v[0]) | (a->v[1] ^ b->v[1]) | (a->v[2] ^ b->v[2]) | (a->v[3] ^ b->v[3]);
    return ~mask_nonzero(d);
}

TK_INLINE void fe_select(fe *r, uint64_t mask, const fe *a, const fe *b) {
    limbs_select(r->v, mask, a->v, b->v);
}

TK_INLINE void fe_to_mont(fe *r, const fe *a) { fe_mul(r, a, &FE_R2); }

TK_INLINE void fe_from_mont(fe *r, const fe *a) {
    fe one = {{1, 0, 0, 0}};
    fe_mul(r, a, &one);
}

/* ---- scalars mod n ---------------------------------------------------------------------- */

TK_INLINE void sc_mul(sc *r, const sc *a, const sc *b) { mont_mul(r->v, a->v, b->v, SM2_N, SM2_N0); }

TK_INLINE void sc_add(sc *r, const sc *a, const sc *b) {
    uint64_t t[4];
    uint64_t carry = limbs_add(t, a->v, b->v);
    limbs_reduce_once(r->v, t, carry, SM2_N);
}

TK_INLINE void sc_sub(sc *r, const sc *a, const sc *b) {
    uint64_t t[4], u[4];
    uint64_t borrow = limbs_sub(t, a->v, b->v);
    limbs_add(u, t, SM2_N);
    limbs_select(r->v, (uint64_t)0 - borrow, u, t);
}

TK_INLINE uint64_t sc_is_zero(const sc *a) { return limbs_is_zero_mask(a->v); }

/* ---- conversions and slower helpers (sm2_field.c) --------------------------------------- */

void limbs_from_be(uint64_t r[4], const uint8_t in[32]);
void limbs_to_be(uint8_t out[32], const uint64_t a[4]);
/* all-ones if a < m (constant time) */
uint64_t limbs_lt_mask(const uint64_t a[4], const uint64_t m[4]);

void fe_inv(fe *r, const fe *a);                 /* a^(p-2); constant time; 0 -> 0 */
int fe_sqrt(fe *r, const fe *a);                 /* 1 if a is a square (r = a^((p+1)/4)) */
void sc_inv_mont(sc *r, const sc *a_mont);       /* Montgomery-form inverse mod n; constant time */
void sc_to_mont(sc *r, const sc *a);
void sc_from_mont(sc *r, const sc *a);
/* reduce a 256-bit integer (< 2^256 < 2n) mod n, constant time */
void sc_reduce_once(sc *r, const uint64_t a[4]);

#endif
