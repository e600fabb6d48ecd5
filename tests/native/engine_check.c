/*
 * Native engine checks, run by tests/test_native_engine.py under AddressSanitizer + UBSan, with the
 * portable field code, and under valgrind memcheck as a constant-time audit (TK_CTGRIND).
 *   engine_check all   known answers, random round trips, DER fuzz, threaded batches
 *   engine_check ct    signing, key derivation and [k]P with the secrets marked undefined
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sm2_batch.h"
#include "sm2_der.h"
#include "sm2_engine.h"
#include "sm3.h"

static int failures;
#define CHECK(cond, what)                                   \
    do {                                                    \
        if (!(cond)) {                                      \
            fprintf(stderr, "FAIL: %s (line %d)\n", what, __LINE__); \
            failures++;                                     \
        }                                                   \
    } while (0)

static void hex(uint8_t *out, const char *h) {
    for (size_t i = 0; h[2 * i]; i++) sscanf(h + 2 * i, "%2hhx", &out[i]);
}

static const char *D = "3945208F7B2144B13F36E38AC6D39F9588939369" "2860B51A42FB81EF4DF7C5B8";
static const char *XY = "09F9DF311E5421A150DD7D161E4BC5C672179FAD1833FC076BB08FF356F35020"
                        "CCEA490CE26775A52DC6EA718CC1AA600AED05FBF35E084A6632F6072DA9AD13";
static const char *K = "59276E27D506861A16680F3AD9C02DCCEF3CC1FA3CDBE4CE6D54B80DEAC1BC21";
static const char *RS = "F5A03B0648D2C4630EEAC513E1BB81A15944DA3827D5B74143AC7EACEEE720B3"
                        "B1B6AA29DF212FD8763182BC0D421CA1BB9038FD1F7F42D4840B69C485BBC1AA";

static uint64_t rng_state = 0x9E3779B97F4A7C15ULL;
static uint8_t rnd8(void) {
    rng_state ^= rng_state << 13;
    rng_state ^= rng_state >> 7;
    rng_state ^= rng_state << 17;
    return (uint8_t)rng_state;
}

static void known_answers(void) {
    uint8_t d[32], xy[64], k[32], rs[64], za[32], e[32], out[64];
    hex(d, D);
    hex(xy, XY);
    hex(k, K);
    hex(rs, RS);
    sm2_private key;
    CHECK(sm2_private_init(&key, d) == SM2_OK, "private init");
    CHECK(memcmp(key.pub, xy, 64) == 0, "public key");
    sm2_compute_za(za, (const uint8_t *)"1234567812345678", 16, xy);
    sm2_message_digest(e, za, (const uint8_t *)"message digest", 14);
    CHECK(sm2_sign_digest(&key, e, k, out) == SM2_OK && memcmp(out, rs, 64) == 0, "KAT signature");
    sm2_public pub;
    CHECK(sm2_public_init(&pub, xy) == SM2_OK, "public init");
    CHECK(sm2_verify_digest(&pub, NULL, e, rs) == 1, "KAT verify");
    e[5] ^= 1;
    CHECK(sm2_verify_digest(&pub, NULL, e, rs) == 0, "KAT verify rejects other digest");
}

static void round_trips(int n) {
    comb_table *table = malloc(sizeof *table);
    for (int i = 0; i < n; i++) {
        uint8_t d[32], e[32], rs[64];
        uint64_t dl[4];
        sm2_random_scalar(dl);
        limbs_to_be(d, dl);
        sm2_private key;
        if (sm2_private_init(&key, d) != SM2_OK) continue;  /* d = n-1 */
        sm2_public pub;
        CHECK(sm2_public_init(&pub, key.pub) == SM2_OK, "derived key validates");
        for (int j = 0; j < 32; j++) e[j] = rnd8();
        CHECK(sm2_sign_digest(&key, e, NULL, rs) == SM2_OK, "sign");
        CHECK(sm2_verify_digest(&pub, NULL, e, rs) == 1, "verify");
        CHECK(comb_build(table, &pub.P) == 0, "table build");
        CHECK(sm2_verify_digest(&pub, table, e, rs) == 1, "verify with table");
        rs[rnd8() % 64] ^= (uint8_t)(1u << (rnd8() % 8));
        CHECK(sm2_verify_digest(&pub, NULL, e, rs) == 0, "tampered rejected");
        CHECK(sm2_verify_digest(&pub, table, e, rs) == 0, "tampered rejected with table");
        uint8_t shared1[64], shared2[64], kk[32];
        uint64_t kl[4];
        sm2_random_scalar(kl);
        limbs_to_be(kk, kl);
        sm2_public kpub;
        uint8_t kG[64];
        CHECK(sm2_base_multiply(kG, kk) == SM2_OK, "[k]G");
        CHECK(sm2_public_init(&kpub, kG) == SM2_OK, "[k]G on curve");
        CHECK(sm2_point_multiply(shared1, &pub, kk) == SM2_OK, "[k]P");
        CHECK(sm2_point_multiply(shared2, &kpub, d) == SM2_OK, "[d]kG");
        CHECK(memcmp(shared1, shared2, 64) == 0, "ECDH agreement");
    }
    free(table);
}

static void der_fuzz(int n) {
    uint8_t buf[80], rs[64], der[SM2_DER_MAX];
    for (int i = 0; i < n; i++) {
        for (int j = 0; j < 64; j++) rs[j] = rnd8();
        if (i % 3 == 0) memset(rs, 0, 1 + rnd8() % 31);
        size_t len = sm2_raw_to_der(rs, der);
        uint8_t back[64];
        CHECK(sm2_der_to_raw(der, len, back) == 0 && memcmp(back, rs, 64) == 0, "DER round trip");
        memcpy(buf, der, len);
        size_t mlen = len;
        switch (rnd8() % 4) {
        case 0: buf[rnd8() % len] ^= (uint8_t)(1u << (rnd8() % 8)); break;
        case 1: mlen = rnd8() % (len + 1); break;
        case 2: buf[len] = rnd8(); mlen = len + 1; break;
        default: for (size_t j = 0; j < sizeof buf; j++) buf[j] = rnd8(); mlen = rnd8() % 80; break;
        }
        sm2_der_to_raw(buf, mlen, back);  /* must not read out of bounds */
    }
}

/* regression: a 33-byte INTEGER must start with the 00 sign pad (a flipped pad bit was accepted) */
static void der_33_byte_integers(void) {
    uint8_t rs[64], der[SM2_DER_MAX], back[64];
    memset(rs, 0xA5, sizeof rs);                       /* top bits set: both INTEGERs are 33 bytes */
    size_t len = sm2_raw_to_der(rs, der);
    CHECK(len == 72 && der[4] == 0x00, "padded DER layout");
    CHECK(sm2_der_to_raw(der, len, back) == 0, "padded DER accepted");
    der[4] = 0x01;                                     /* r >= 2^256 */
    CHECK(sm2_der_to_raw(der, len, back) != 0, "33-byte INTEGER without a zero pad rejected");
}

static void batches(void) {
    enum { COUNT = 600, KEYS = 3 };
    sm2_private keys[KEYS];
    sm2_public pubs[KEYS];
    uint8_t zas[KEYS][32];
    for (int i = 0; i < KEYS; i++) {
        uint8_t d[32];
        uint64_t dl[4];
        do {
            sm2_random_scalar(dl);
            limbs_to_be(d, dl);
        } while (sm2_private_init(&keys[i], d) != SM2_OK);
        sm2_public_init(&pubs[i], keys[i].pub);
        sm2_compute_za(zas[i], (const uint8_t *)"1234567812345678", 16, keys[i].pub);
    }
    static uint8_t msgs[COUNT][40], sigs[COUNT][SM2_DER_MAX];
    batch_item items[COUNT];
    uint8_t results[COUNT], expect[COUNT];
    for (int i = 0; i < COUNT; i++) {
        int k = i % KEYS;
        uint8_t e[32], rs[64];
        for (int j = 0; j < 40; j++) msgs[i][j] = rnd8();
        sm2_message_digest(e, zas[k], msgs[i], 40);
        sm2_sign_digest(&keys[k], e, NULL, rs);
        size_t len = sm2_raw_to_der(rs, sigs[i]);
        expect[i] = BATCH_VALID;
        if (i % 5 == 1) { msgs[i][0] ^= 1; expect[i] = BATCH_INVALID; }
        if (i % 5 == 2) { len -= 1; expect[i] = BATCH_MALFORMED; }
        items[i] = (batch_item){&pubs[k], NULL, zas[k], sigs[i], len, msgs[i], 40, 0, (size_t)i};
        results[i] = BATCH_INVALID;
    }
    sm2_sort_batch(items, COUNT);
    sm2_verify_batch(items, COUNT, results, 4);
    CHECK(memcmp(results, expect, COUNT) == 0, "threaded batch verdicts");
}

static int constant_time_audit(void) {
    uint8_t d[32], k[32], e[32], rs[64], out[64];
    hex(d, D);
    hex(k, K);
    for (int i = 0; i < 32; i++) e[i] = (uint8_t)i;
    sm2_private key;
    TK_CLASSIFY(d, sizeof d);
    int rc = sm2_private_init(&key, d);
    TK_CLASSIFY(k, sizeof k);
    rc |= sm2_sign_digest(&key, e, k, rs);
    rc |= sm2_sign_digest(&key, e, NULL, rs);          /* fresh nonces from getrandom */
    rc |= sm2_base_multiply(out, k);
    sm2_public pub;
    uint8_t xy[64];
    hex(xy, XY);
    rc |= sm2_public_init(&pub, xy);
    rc |= sm2_point_multiply(out, &pub, k);             /* the decryption / encryption ladder */
    TK_DECLASSIFY(&rc, sizeof rc);
    TK_DECLASSIFY(out, sizeof out);
    TK_DECLASSIFY(rs, sizeof rs);
    printf("ct audit done rc=%d out=%02x rs=%02x\n", rc, out[0], rs[0]);
    return rc == 0 ? 0 : 1;
}

int main(int argc, char **argv) {
    if (sm2_engine_init() != SM2_OK) return 2;
    if (argc > 1 && strcmp(argv[1], "ct") == 0) return constant_time_audit();
    uint8_t h[32];
    sm3_digest((const uint8_t *)"abc", 3, h);
    CHECK(h[0] == 0x66 && h[31] == 0xE0, "SM3 abc");
    known_answers();
    round_trips(argc > 2 ? atoi(argv[2]) : 40);
    der_fuzz(20000);
    der_33_byte_integers();
    batches();
    if (failures) {
        fprintf(stderr, "%d failures\n", failures);
        return 1;
    }
    printf("engine checks passed\n");
    return 0;
}
