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
    size_t index;             /* position of this item's result */
} batch_item;

/* Group items by key (then by index) so a thread reuses one key's table while it is cached. */
void sm2_sort_batch(batch_item *items, size_t count);

/* Verify every item whose results[item.index] is not already BATCH_BAD_ITEM. */
void sm2_verify_batch(const batch_item *items, size_t count, uint8_t *results, int threads);

#endif
