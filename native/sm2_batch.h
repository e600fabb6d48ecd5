/* Batch verification across threads; public data only, so variable time is fine. */
#ifndef TRUSTKIT_SM2_BATCH_H
#define TRUSTKIT_SM2_BATCH_H

#include <stddef.h>
#include <stdint.h>

#include "sm2_engine.h"

enum {
    BATCH_INVALID = 0,        /* well-formed, does not verify */
    BATCH_VALID = 1,
    BATCH_MALFORMED = 2,      /* signature encoding is not strict DER / raw of the right size */
    BATCH_BAD_ITEM = 3,       /* the item itself was unusable (filled in by the caller) */
};

typedef struct {
    const sm2_public *key;
    const comb_table *table;  /* per-key table or NULL */
    const uint8_t *za;        /* 32 bytes; NULL when msg is already the digest e */
    const uint8_t *sig;
    size_t sig_len;
    const uint8_t *msg;
    size_t msg_len;
    int sig_is_raw;           /* 64-byte r || s instead of DER */
} batch_item;

/* Strict DER SM2Signature -> r || s (range of r, s is checked by verification). 0 ok, -1 bad. */
int sm2_der_to_raw(const uint8_t *der, size_t len, uint8_t rs[64]);

/* Verify items[i] for every i whose results[i] is not already BATCH_BAD_ITEM. */
void sm2_verify_batch(const batch_item *items, size_t count, uint8_t *results, int threads);

#endif
