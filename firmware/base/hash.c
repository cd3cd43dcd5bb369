#include "base/hash.h"

#include <string.h>

#define FNV_PRIME 0x100000001b3ULL

uint64_t crier_hash_bytes(uint64_t h, const void *buf, size_t len)
{
    const unsigned char *p = buf;
    for (size_t i = 0; i < len; i++)
        h = (h ^ p[i]) * FNV_PRIME;
    return h;
}

uint64_t crier_hash_field(uint64_t h, const char *s)
{
    if (s)
        h = crier_hash_bytes(h, s, strlen(s));
    return (h ^ (s ? 0x1fu : 0x2fu)) * FNV_PRIME;
}

uint64_t crier_hash64(const void *buf, size_t len)
{
    return crier_hash_bytes(CRIER_HASH_INIT, buf, len);
}
