#include "sm2_der.h"

#include <string.h>

static int read_der_integer(const uint8_t *der, size_t len, size_t *pos, uint8_t out[32]) {
    size_t p = *pos;
    if (p + 2 > len || der[p] != 0x02) return -1;
    size_t l = der[p + 1];
    if (l == 0 || l > 33 || p + 2 + l > len) return -1;
    const uint8_t *body = der + p + 2;
    if (body[0] & 0x80) return -1;                                /* negative */
    if (l > 1 && body[0] == 0 && !(body[1] & 0x80)) return -1;    /* not minimal */
    if (l == 33 && body[0] != 0) return -1;                       /* value >= 2^256 */
    *pos = p + 2 + l;
    if (l == 33) {                                                /* drop the sign pad */
        body++;
        l--;
    }
    memset(out, 0, 32 - l);
    memcpy(out + 32 - l, body, l);
    return 0;
}

int sm2_der_to_raw(const uint8_t *der, size_t len, uint8_t rs[64]) {
    if (len < 8 || len > SM2_DER_MAX || der[0] != 0x30 || der[1] != len - 2) return -1;
    size_t pos = 2;
    if (read_der_integer(der, len, &pos, rs) || read_der_integer(der, len, &pos, rs + 32)) return -1;
    return pos == len ? 0 : -1;
}

/* minimal DER INTEGER for a 32-byte unsigned big-endian value */
static size_t write_der_integer(const uint8_t v[32], uint8_t *out) {
    size_t skip = 0;
    while (skip < 31 && v[skip] == 0) skip++;
    size_t n = 32 - skip, pad = (v[skip] & 0x80) ? 1 : 0;
    out[0] = 0x02;
    out[1] = (uint8_t)(n + pad);
    out[2] = 0;
    memcpy(out + 2 + pad, v + skip, n);
    return 2 + pad + n;
}

size_t sm2_raw_to_der(const uint8_t rs[64], uint8_t out[SM2_DER_MAX]) {
    size_t len = write_der_integer(rs, out + 2);
    len += write_der_integer(rs + 32, out + 2 + len);
    out[0] = 0x30;
    out[1] = (uint8_t)len;
    return len + 2;
}
