/* sha256.c — module digests through OpenSSL's EVP interface (the low-level
 * SHA256() is deprecated in OpenSSL 3 and would trip -Werror). */
#include <stdbool.h>
#include <string.h>

#include <openssl/evp.h>

#include "platform/sha256.h"

bool sha256_hex(const uint8_t *data, size_t len, char out[SHA256_HEX_LEN + 1]) {
    unsigned char md[EVP_MAX_MD_SIZE];
    unsigned int mdlen = 0;
    if (!EVP_Digest(data, len, md, &mdlen, EVP_sha256(), NULL) || mdlen != 32) return false;
    static const char hex[] = "0123456789abcdef";
    for (unsigned i = 0; i < 32; i++) {
        out[2 * i] = hex[md[i] >> 4];
        out[2 * i + 1] = hex[md[i] & 15];
    }
    out[SHA256_HEX_LEN] = 0;
    return true;
}

bool sha256_is_hex(const char *s) {
    size_t n = 0;
    for (; s[n]; n++)
        if (!((s[n] >= '0' && s[n] <= '9') || (s[n] >= 'a' && s[n] <= 'f'))) return false;
    return n == SHA256_HEX_LEN;
}
