#ifndef CCALC_CALC_H
#define CCALC_CALC_H

#include <stdint.h>

/* Greatest common divisor and a CRC-32 (IEEE), in C. */
uint64_t calc_gcd(uint64_t a, uint64_t b);
uint32_t calc_crc32(const unsigned char *data, size_t len);
const char *calc_libc(void);

#endif
