/* GM/T 0009 SM2Signature: strict DER <-> 64-byte r || s. */
#ifndef TRUSTKIT_SM2_DER_H
#define TRUSTKIT_SM2_DER_H

#include <stddef.h>
#include <stdint.h>

#define SM2_DER_MAX 72

/* Strict DER -> r || s; 0 ok, -1 not strict DER (ranges are checked by verification). */
int sm2_der_to_raw(const uint8_t *der, size_t len, uint8_t rs[64]);
/* r || s -> minimal DER; returns the length written to out (at most SM2_DER_MAX). */
size_t sm2_raw_to_der(const uint8_t rs[64], uint8_t out[SM2_DER_MAX]);

#endif
