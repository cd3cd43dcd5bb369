/* hash.h - the one non-cryptographic hash of Crier: 64-bit FNV-1a.
 *
 * For duplicate memories, cache keys and change detection, never for trust
 * (signatures use libsodium).  Incremental: start from CRIER_HASH_INIT and feed
 * bytes or strings; crier_hash_sep() marks the end of a field so ("ab","c")
 * and ("a","bc") differ, and a NULL field differs from "". */
#ifndef CRIER_HASH_H
#define CRIER_HASH_H

#include <stddef.h>
#include <stdint.h>

#define CRIER_HASH_INIT 0xcbf29ce484222325ULL

uint64_t crier_hash_bytes(uint64_t h, const void *buf, size_t len);
/* Adds s (NULL-safe) and a field separator that tells NULL from "". */
uint64_t crier_hash_field(uint64_t h, const char *s);
/* Hash of one buffer. */
uint64_t crier_hash64(const void *buf, size_t len);

#endif
