/* sha256.h — the digest that names module blobs (OpenSSL's libcrypto). */
#ifndef KILN_PLATFORM_SHA256_H
#define KILN_PLATFORM_SHA256_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define SHA256_HEX_LEN 64

/* Writes the lowercase hex digest of data[0..len) and a NUL into out.
 * Returns false only if libcrypto fails (out of memory). */
bool sha256_hex(const uint8_t *data, size_t len, char out[SHA256_HEX_LEN + 1]);
/* True when s is exactly 64 lowercase hex digits. */
bool sha256_is_hex(const char *s);

#endif
