#include "sm2_batch.h"

#include <pthread.h>
#include <string.h>

#define MIN_ITEMS_PER_THREAD 16
#define MAX_THREADS 256

static int read_der_integer(const uint8_t *der, size_t len, size_t *pos, uint8_t out[32]) {
    size_t p = *pos;
    if (p + 2 > len || der[p] != 0x02) return -1;
    size_t l = der[p + 1];
    if (l == 0 || l > 33 || p + 2 + l > len) return -1;
    const uint8_t *body = der + p + 2;
    if (body[0] & 0x80) return -1;                                /* negative */
    if (l > 1 && body[0] == 0 && !(body[1] & 0x80)) return -1;    /* not minimal */
    if (l == 33) {                                                /* only a sign pad may lead */
        body++;
        l--;
    }
    memset(out, 0, 32 - l);
    memcpy(out + 32 - l, body, l);
    *pos = p + 2 + der[p + 1];
    return 0;
}

int sm2_der_to_raw(const uint8_t *der, size_t len, uint8_t rs[64]) {
    if (len < 8 || len > 72 || der[0] != 0x30 || der[1] != len - 2) return -1;
    size_t pos = 2;
    if (read_der_integer(der, len, &pos, rs) || read_der_integer(der, len, &pos, rs + 32)) return -1;
    return pos == len ? 0 : -1;
}

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
    for (size_t i = s->begin; i < s->end; i++)
        if (s->results[i] != BATCH_BAD_ITEM) s->results[i] = verify_one(&s->items[i]);
    return NULL;
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
