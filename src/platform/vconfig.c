/* vconfig.c — per-version environment and secrets (see vconfig.h). */
#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <sys/stat.h>
#include <unistd.h>

#include <openssl/evp.h>

#include "platform/vconfig.h"

/* The variables every request gets from the server (wagi.c). */
static const char *const reserved[] = {
    "REQUEST_METHOD", "PATH_INFO", "QUERY_STRING", "CONTENT_TYPE", "CONTENT_LENGTH", "SERVER_NAME",
    "SERVER_PORT", "SERVER_PROTOCOL", "GATEWAY_INTERFACE", "SCRIPT_NAME", "REMOTE_ADDR", "PATH_TRANSLATED",
    "AUTH_TYPE", "REMOTE_USER", "REMOTE_HOST",
};

bool vconfig_valid_name(const char *name, char *why, size_t size) {
    size_t n = strlen(name);
    if (n == 0 || n > 128 || !(isalpha((unsigned char)name[0]) || name[0] == '_')) {
        snprintf(why, size, "'%.140s' is not a variable name: want a letter or '_', then letters, digits or '_' "
                            "(at most 128)", name);
        return false;
    }
    for (size_t i = 0; i < n; i++)
        if (!isalnum((unsigned char)name[i]) && name[i] != '_') {
            snprintf(why, size, "'%.140s' is not a variable name: only letters, digits and '_'", name);
            return false;
        }
    bool res = !strncmp(name, "HTTP_", 5) || !strncmp(name, "X_", 2);
    for (size_t i = 0; !res && i < sizeof reserved / sizeof reserved[0]; i++) res = !strcmp(name, reserved[i]);
    if (res) {
        snprintf(why, size, "'%.140s' is set by the server for every request (WAGI); choose another name", name);
        return false;
    }
    return true;
}

static bool check_obj(const cJSON *o, const char *what, const cJSON *other, perr *e) {
    if (!o) return true;
    if (!cJSON_IsObject(o)) return perr_set(e, 400, "the configuration's '%s' must be an object of strings", what);
    const cJSON *v;
    int n = 0;
    cJSON_ArrayForEach(v, o) {
        char why[256];
        if (!vconfig_valid_name(v->string, why, sizeof why)) return perr_set(e, 400, "%s %s", what, why);
        if (!cJSON_IsString(v)) return perr_set(e, 400, "%s %s: the value must be a string", what, v->string);
        if (other && cJSON_GetObjectItemCaseSensitive(other, v->string))
            return perr_set(e, 400, "%s is given both as --env and as --secret", v->string);
        if (++n > VCONFIG_MAX_VARS) return perr_set(e, 400, "more than %d %s variables", VCONFIG_MAX_VARS, what);
    }
    return true;
}

bool vconfig_check(const cJSON *cfg, perr *e) {
    if (!cJSON_IsObject(cfg)) return perr_set(e, 400, "the configuration must be a JSON object {\"env\":{...},\"secrets\":{...}}");
    const cJSON *v;
    cJSON_ArrayForEach(v, cfg) if (strcmp(v->string, "env") && strcmp(v->string, "secrets"))
        return perr_set(e, 400, "the configuration has an unknown member '%.100s' (want env and secrets)", v->string);
    const cJSON *env = cJSON_GetObjectItemCaseSensitive(cfg, "env");
    const cJSON *sec = cJSON_GetObjectItemCaseSensitive(cfg, "secrets");
    return check_obj(env, "env", NULL, e) && check_obj(sec, "secret", env, e);
}

static bool read_key(const char *path, uint8_t key[VCONFIG_KEY_LEN], perr *e) {
    int fd = open(path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
    if (fd < 0) return perr_set(e, 500, "cannot read %s: %s", path, strerror(errno));
    uint8_t buf[VCONFIG_KEY_LEN + 1];
    ssize_t n = read(fd, buf, sizeof buf);
    close(fd);
    if (n != VCONFIG_KEY_LEN)
        return perr_set(e, 500, "%s is not a %d-byte key (the secrets it sealed cannot be read without it)", path,
                        VCONFIG_KEY_LEN);
    memcpy(key, buf, VCONFIG_KEY_LEN);
    return true;
}

bool vconfig_key_load_or_create(const char *data_dir, uint8_t key[VCONFIG_KEY_LEN], perr *e) {
    char path[PATH_MAX];
    if (snprintf(path, sizeof path, "%s/secrets.key", data_dir) >= (int)sizeof path)
        return perr_set(e, 500, "data directory path too long");
    struct stat st;
    if (lstat(path, &st) == 0) {
        if (!S_ISREG(st.st_mode)) return perr_set(e, 500, "%s is not a regular file", path);
        if (st.st_mode & 077)
            return perr_set(e, 500, "%s is readable by others (mode %03o): chmod 600 it", path, st.st_mode & 0777);
        return read_key(path, key, e);
    }
    size_t got = 0;
    while (got < VCONFIG_KEY_LEN) {
        ssize_t n = getrandom(key + got, VCONFIG_KEY_LEN - got, 0);
        if (n < 0 && errno == EINTR) continue;
        if (n < 0) return perr_set(e, 500, "getrandom: %s", strerror(errno));
        got += (size_t)n;
    }
    int fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
    if (fd < 0) {
        if (errno == EEXIST) return read_key(path, key, e);
        return perr_set(e, 500, "cannot create %s: %s", path, strerror(errno));
    }
    bool ok = write(fd, key, VCONFIG_KEY_LEN) == VCONFIG_KEY_LEN && fsync(fd) == 0;
    close(fd);
    if (!ok) { unlink(path); return perr_set(e, 500, "cannot write %s", path); }
    return true;
}

bool vconfig_seal(const uint8_t key[VCONFIG_KEY_LEN], const char *aad, const uint8_t *plain, size_t len,
                  uint8_t **out, size_t *out_len) {
    *out = NULL;
    if (len > INT32_MAX - 64) return false;
    uint8_t *buf = malloc(len + VCONFIG_NONCE_LEN + VCONFIG_TAG_LEN);
    if (!buf) return false;
    size_t got = 0;
    while (got < VCONFIG_NONCE_LEN) { /* a random nonce: a key seals few messages, far below 2^32 */
        ssize_t n = getrandom(buf + got, VCONFIG_NONCE_LEN - got, 0);
        if (n < 0 && errno == EINTR) continue;
        if (n < 0) { free(buf); return false; }
        got += (size_t)n;
    }
    EVP_CIPHER_CTX *c = EVP_CIPHER_CTX_new();
    int n1 = 0, n2 = 0;
    bool ok = c && EVP_EncryptInit_ex(c, EVP_aes_256_gcm(), NULL, key, buf) == 1 &&
              EVP_EncryptUpdate(c, NULL, &n1, (const uint8_t *)aad, (int)strlen(aad)) == 1 &&
              EVP_EncryptUpdate(c, buf + VCONFIG_NONCE_LEN, &n1, plain, (int)len) == 1 &&
              EVP_EncryptFinal_ex(c, buf + VCONFIG_NONCE_LEN + n1, &n2) == 1 &&
              EVP_CIPHER_CTX_ctrl(c, EVP_CTRL_GCM_GET_TAG, VCONFIG_TAG_LEN, buf + VCONFIG_NONCE_LEN + len) == 1;
    EVP_CIPHER_CTX_free(c);
    if (!ok) { free(buf); return false; }
    *out = buf;
    *out_len = len + VCONFIG_NONCE_LEN + VCONFIG_TAG_LEN;
    return true;
}

bool vconfig_open(const uint8_t key[VCONFIG_KEY_LEN], const char *aad, const uint8_t *sealed, size_t len,
                  uint8_t **out, size_t *out_len) {
    *out = NULL;
    errno = EBADMSG;
    if (len < VCONFIG_NONCE_LEN + VCONFIG_TAG_LEN || len > INT32_MAX) return false;
    size_t clen = len - VCONFIG_NONCE_LEN - VCONFIG_TAG_LEN;
    uint8_t *buf = malloc(clen + 1);
    if (!buf) { errno = ENOMEM; return false; }
    uint8_t tag[VCONFIG_TAG_LEN];
    memcpy(tag, sealed + VCONFIG_NONCE_LEN + clen, sizeof tag);
    EVP_CIPHER_CTX *c = EVP_CIPHER_CTX_new();
    int n1 = 0, n2 = 0;
    /* Up to the tag, a failure is libcrypto's own (out of memory): ENOMEM;
     * the tag's is the key's, the aad's or a byte's (EBADMSG). */
    bool ready = c && EVP_DecryptInit_ex(c, EVP_aes_256_gcm(), NULL, key, sealed) == 1 &&
                 EVP_DecryptUpdate(c, NULL, &n1, (const uint8_t *)aad, (int)strlen(aad)) == 1 &&
                 EVP_DecryptUpdate(c, buf, &n1, sealed + VCONFIG_NONCE_LEN, (int)clen) == 1 &&
                 EVP_CIPHER_CTX_ctrl(c, EVP_CTRL_GCM_SET_TAG, VCONFIG_TAG_LEN, tag) == 1;
    bool ok = ready && EVP_DecryptFinal_ex(c, buf + n1, &n2) == 1; /* checks the tag */
    EVP_CIPHER_CTX_free(c);
    if (!ok) { free(buf); errno = ready ? EBADMSG : ENOMEM; return false; }
    buf[clen] = 0;
    *out = buf;
    *out_len = clen;
    return true;
}

cJSON *vconfig_redacted(const cJSON *env, const cJSON *secret_names) {
    cJSON *o = cJSON_CreateObject();
    cJSON *e = env ? cJSON_Duplicate(env, true) : cJSON_CreateObject();
    cJSON *s = cJSON_CreateObject();
    if (!o || !e || !s) { cJSON_Delete(o); cJSON_Delete(e); cJSON_Delete(s); return NULL; }
    cJSON_AddItemToObject(o, "env", e);
    cJSON_AddItemToObject(o, "secrets", s);
    const cJSON *v;
    cJSON_ArrayForEach(v, secret_names) if (cJSON_IsString(v)) cJSON_AddStringToObject(s, v->valuestring, "<redacted>");
    return o;
}
