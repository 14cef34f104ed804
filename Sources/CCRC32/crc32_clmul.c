// CRC-32 (IEEE 802.3, reflected polynomial 0xEDB88320) by carry-less multiplication: the
// folding method of Intel's "Fast CRC Computation for Generic Polynomials Using PCLMULQDQ
// Instruction" (Gopal et al., 2009), with the bit-reflected constants given at its end —
// four 128-bit lanes folded 64 bytes at a time, folded into one, then Barrett-reduced.
// The Swift side (CRC32.swift) handles lengths under 64 and the tail that is not a multiple
// of 16 with its table method, and checks this code against that method in the tests.

#include "crc32_clmul.h"

#if defined(__x86_64__)
#include <immintrin.h>

int gongfu_crc32_clmul_available(void) {
    __builtin_cpu_init();
    return __builtin_cpu_supports("pclmul") && __builtin_cpu_supports("sse4.1");
}

__attribute__((target("pclmul,sse4.1")))
uint32_t gongfu_crc32_clmul(const uint8_t *bytes, size_t length, uint32_t state) {
    // x^(4*128+32) mod P, x^(4*128-32) mod P (fold by four); x^(128+32), x^(128-32) (fold by
    // one); x^64 mod P; P and mu for the Barrett reduction — all bit-reflected.
    const __m128i fold4 = _mm_set_epi64x(0x01c6e41596, 0x0154442bd4);
    const __m128i fold1 = _mm_set_epi64x(0x00ccaa009e, 0x01751997d0);
    const __m128i fold64 = _mm_set_epi64x(0, 0x0163cd6124);
    const __m128i barrett = _mm_set_epi64x(0x01f7011641, 0x01db710641);
    const __m128i low32 = _mm_setr_epi32(~0, 0, ~0, 0);

    __m128i x1 = _mm_loadu_si128((const __m128i *)(bytes + 0x00));
    __m128i x2 = _mm_loadu_si128((const __m128i *)(bytes + 0x10));
    __m128i x3 = _mm_loadu_si128((const __m128i *)(bytes + 0x20));
    __m128i x4 = _mm_loadu_si128((const __m128i *)(bytes + 0x30));
    x1 = _mm_xor_si128(x1, _mm_cvtsi32_si128((int)state));
    bytes += 64;
    length -= 64;

    while (length >= 64) {
        __m128i x5 = _mm_clmulepi64_si128(x1, fold4, 0x00);
        __m128i x6 = _mm_clmulepi64_si128(x2, fold4, 0x00);
        __m128i x7 = _mm_clmulepi64_si128(x3, fold4, 0x00);
        __m128i x8 = _mm_clmulepi64_si128(x4, fold4, 0x00);
        x1 = _mm_clmulepi64_si128(x1, fold4, 0x11);
        x2 = _mm_clmulepi64_si128(x2, fold4, 0x11);
        x3 = _mm_clmulepi64_si128(x3, fold4, 0x11);
        x4 = _mm_clmulepi64_si128(x4, fold4, 0x11);
        x1 = _mm_xor_si128(_mm_xor_si128(x1, x5), _mm_loadu_si128((const __m128i *)(bytes + 0x00)));
        x2 = _mm_xor_si128(_mm_xor_si128(x2, x6), _mm_loadu_si128((const __m128i *)(bytes + 0x10)));
        x3 = _mm_xor_si128(_mm_xor_si128(x3, x7), _mm_loadu_si128((const __m128i *)(bytes + 0x20)));
        x4 = _mm_xor_si128(_mm_xor_si128(x4, x8), _mm_loadu_si128((const __m128i *)(bytes + 0x30)));
        bytes += 64;
        length -= 64;
    }

    // Four lanes into one.
    __m128i x5 = _mm_clmulepi64_si128(x1, fold1, 0x00);
    x1 = _mm_xor_si128(_mm_xor_si128(_mm_clmulepi64_si128(x1, fold1, 0x11), x2), x5);
    x5 = _mm_clmulepi64_si128(x1, fold1, 0x00);
    x1 = _mm_xor_si128(_mm_xor_si128(_mm_clmulepi64_si128(x1, fold1, 0x11), x3), x5);
    x5 = _mm_clmulepi64_si128(x1, fold1, 0x00);
    x1 = _mm_xor_si128(_mm_xor_si128(_mm_clmulepi64_si128(x1, fold1, 0x11), x4), x5);

    while (length >= 16) {
        x5 = _mm_clmulepi64_si128(x1, fold1, 0x00);
        x1 = _mm_xor_si128(_mm_xor_si128(_mm_clmulepi64_si128(x1, fold1, 0x11), _mm_loadu_si128((const __m128i *)bytes)), x5);
        bytes += 16;
        length -= 16;
    }

    // 128 bits to 64.
    x2 = _mm_clmulepi64_si128(x1, fold1, 0x10);
    x1 = _mm_xor_si128(_mm_srli_si128(x1, 8), x2);
    x2 = _mm_srli_si128(x1, 4);
    x1 = _mm_and_si128(x1, low32);
    x1 = _mm_xor_si128(_mm_clmulepi64_si128(x1, fold64, 0x00), x2);

    // Barrett reduction to 32 bits.
    x2 = _mm_and_si128(x1, low32);
    x2 = _mm_clmulepi64_si128(x2, barrett, 0x10);
    x2 = _mm_and_si128(x2, low32);
    x2 = _mm_clmulepi64_si128(x2, barrett, 0x00);
    x1 = _mm_xor_si128(x1, x2);
    return (uint32_t)_mm_extract_epi32(x1, 1);
}

#else

int gongfu_crc32_clmul_available(void) { return 0; }

uint32_t gongfu_crc32_clmul(const uint8_t *bytes, size_t length, uint32_t state) {
    (void)bytes;
    (void)length;
    return state;
}

#endif
