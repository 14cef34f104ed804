#ifndef GONGFU_CRC32_CLMUL_H
#define GONGFU_CRC32_CLMUL_H

#include <stddef.h>
#include <stdint.h>

/// Whether this CPU can run gongfu_crc32_clmul (x86-64 with PCLMULQDQ and SSE4.1).
int gongfu_crc32_clmul_available(void);

/// Folds `length` bytes (a multiple of 16, at least 64) into the CRC-32 (IEEE, reflected)
/// register `state` — the inverted CRC, as zlib keeps it internally — and returns the new
/// state. Only call when gongfu_crc32_clmul_available() is true.
uint32_t gongfu_crc32_clmul(const uint8_t *bytes, size_t length, uint32_t state);

#endif
