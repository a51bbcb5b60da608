#include <stddef.h>
#include "calc.h"

uint64_t calc_gcd(uint64_t a, uint64_t b) {
	while (b != 0) {
		uint64_t t = a % b;
		a = b;
		b = t;
	}
	return a;
}

uint32_t calc_crc32(const unsigned char *data, size_t len) {
	uint32_t crc = 0xFFFFFFFFu;
	for (size_t i = 0; i < len; i++) {
		crc ^= data[i];
		for (int k = 0; k < 8; k++) {
			crc = (crc >> 1) ^ (0xEDB88320u & (0u - (crc & 1u)));
		}
	}
	return ~crc;
}

const char *calc_libc(void) {
#if defined(__GLIBC__)
	return "glibc";
#else
	return "musl";
#endif
}
