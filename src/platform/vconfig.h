/* vconfig.h — a version's configuration: environment variables and secrets
 * given at deploy (`kiln deploy --env K=V --secret K=@file`), stored with
 * the version so that a rollback restores the configuration that went with
 * the code (docs/serve.md, "Configuration per version").
 *
 * Secrets are sealed with AES-256-GCM (OpenSSL's libcrypto) under a key kept
 * beside the registry, in DATA/secrets.key (32 random bytes, mode 0600): the
 * registry holds only nonce, ciphertext and tag, so a copy of registry.db
 * alone reveals the secrets' names, never their values. The additional data
 * binds each sealed blob to its module, so that a blob copied into another
 * module's row does not open.
 *
 * The pure parts (names, parsing, sealing, redaction) have no server state
 * and are tested alone (tests/unit/vconfig.c). */
#ifndef KILN_PLATFORM_VCONFIG_H
#define KILN_PLATFORM_VCONFIG_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <cjson/cJSON.h>

#include "platform/perr.h"

#define VCONFIG_KEY_LEN 32
#define VCONFIG_NONCE_LEN 12
#define VCONFIG_TAG_LEN 16
#define VCONFIG_MAX_VARS 256
#define VCONFIG_MAX_BYTES (64 * 1024) /* env and secrets together, as JSON */

/* A variable name a version may set: [A-Za-z_][A-Za-z0-9_]{0,127}, and
 * none the server sets for every request (WAGI's variables, HTTP_*, X_*):
 * a guest must be able to trust those. why receives the reason. */
bool vconfig_valid_name(const char *name, char *why, size_t size);

/* Checks a deploy's configuration object {"env":{K:V,...},"secrets":{K:V,...}}
 * (both optional, string values, names valid and not in both). */
bool vconfig_check(const cJSON *cfg, perr *e);

/* Reads DATA/secrets.key, creating it (0600, O_EXCL) on first use; refuses a
 * key file others can read. */
bool vconfig_key_load_or_create(const char *data_dir, uint8_t key[VCONFIG_KEY_LEN], perr *e);

/* AES-256-GCM: out = nonce | ciphertext | tag (len + 28 bytes, malloc'd).
 * aad is authenticated, not encrypted. */
bool vconfig_seal(const uint8_t key[VCONFIG_KEY_LEN], const char *aad, const uint8_t *plain, size_t len,
                  uint8_t **out, size_t *out_len);
/* The reverse; false when the key, the aad or any byte differ (errno
 * EBADMSG), or when out of memory (ENOMEM). *out is malloc'd and
 * NUL-terminated. */
bool vconfig_open(const uint8_t key[VCONFIG_KEY_LEN], const char *aad, const uint8_t *sealed, size_t len,
                  uint8_t **out, size_t *out_len);

/* The JSON the admin API shows of a configuration: env as it is, secrets
 * as names with the value replaced by "<redacted>". */
cJSON *vconfig_redacted(const cJSON *env, const cJSON *secret_names);

#endif
