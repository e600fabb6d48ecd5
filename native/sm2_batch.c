#include "sm2_batch.h"

#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include "sm2_der.h"

#define MIN_ITEMS_PER_THREAD 16
#define MAX_THREADS 256

static uint8_t verify_one(const batch_item *it) {
    uint8_t rs[64], e[32];
    if (it->sig_is_raw) {
        if (it->sig_len != 64) return BATCH_MALFORMED;
        memcpy(rs, it->sig, 64);
    } else if (sm2_der_to_raw(it->sig, it->sig_len, rs)) {
        return BATCH_MALFORMED;
    }
    if (it->za) {
        sm2_message_digest(e, it->za, it->msg, it->msg_len);
    } else {
        if (it->msg_len != 32) return BATCH_MALFORMED;
        memcpy(e, it->msg, 32);
    }
    return sm2_verify_digest(it->key, it->table, e, rs) ? BATCH_VALID : BATCH_INVALID;
}

typedef struct {
    const batch_item *items;
    uint8_t *results;
    size_t begin, end;
} batch_slice;

static void *run_slice(void *arg) {
    batch_slice *s = arg;
    for (size_t i = s->begin; i < s->end; i++) {
        const batch_item *it = &s->items[i];
        if (s->results[it->index] != BATCH_BAD_ITEM) s->results[it->index] = verify_one(it);
    }
    return NULL;
}

static int by_key(const void *a, const void *b) {
    const batch_item *x = a, *y = b;
    if (x->key != y->key) return x->key < y->key ? -1 : 1;
    return x->index < y->index ? -1 : (x->index > y->index);
}

void sm2_sort_batch(batch_item *items, size_t count) {
    qsort(items, count, sizeof *items, by_key);
}

void sm2_verify_batch(const batch_item *items, size_t count, uint8_t *results, int threads) {
    if (threads < 1) threads = 1;
    if (threads > MAX_THREADS) threads = MAX_THREADS;
    size_t max_useful = count / MIN_ITEMS_PER_THREAD;
    if ((size_t)threads > max_useful) threads = max_useful ? (int)max_useful : 1;
    batch_slice slices[MAX_THREADS];
    pthread_t tids[MAX_THREADS];
    int started[MAX_THREADS] = {0};
    size_t per = count / (size_t)threads, extra = count % (size_t)threads, at = 0;
    for (int t = 0; t < threads; t++) {
        size_t n = per + ((size_t)t < extra ? 1 : 0);
        slices[t] = (batch_slice){items, results, at, at + n};
        at += n;
    }
    /* the calling thread takes slice 0; a thread that fails to start runs inline */
    for (int t = 1; t < threads; t++)
        started[t] = pthread_create(&tids[t], NULL, run_slice, &slices[t]) == 0;
    run_slice(&slices[0]);
    for (int t = 1; t < threads; t++) {
        if (started[t]) pthread_join(tids[t], NULL);
        else run_slice(&slices[t]);
    }
}
