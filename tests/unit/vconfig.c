#define _GNU_SOURCE
/* Unit tests of src/platform/vconfig.c: variable names, the configuration
 * check, AES-256-GCM sealing (round trip; a changed key, module or byte
 * does not open) and the redacted view. */
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "platform/vconfig.h"
#include "tap.h"

int main(void) {
    char why[256];
    CHECK(vconfig_valid_name("API_KEY", why, sizeof why) && vconfig_valid_name("_x1", why, sizeof why),
          "ordinary names are valid");
    CHECK(!vconfig_valid_name("1X", why, sizeof why) && !vconfig_valid_name("A-B", why, sizeof why) &&
              !vconfig_valid_name("", why, sizeof why) && !vconfig_valid_name("A=B", why, sizeof why),
          "malformed names are not");
    CHECK(!vconfig_valid_name("HTTP_HOST", why, sizeof why) && !vconfig_valid_name("X_REQUEST_ID", why, sizeof why) &&
              !vconfig_valid_name("PATH_INFO", why, sizeof why) && strstr(why, "set by the server"),
          "the server's own variables are refused (%s)", why);

    perr e = {0};
    cJSON *c = cJSON_Parse("{\"env\":{\"A\":\"1\"},\"secrets\":{\"S\":\"x\"}}");
    CHECK(vconfig_check(c, &e), "a configuration with env and secrets is accepted");
    cJSON_Delete(c);
    const char *bad[] = {"{\"env\":{\"A\":1}}", "{\"env\":[]}", "{\"other\":{}}", "{\"env\":{\"A\":\"1\"},\"secrets\":{\"A\":\"2\"}}",
                         "[]", "{\"secrets\":{\"HTTP_X\":\"1\"}}"};
    int refused = 0;
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        c = cJSON_Parse(bad[i]);
        refused += !vconfig_check(c, &e) && e.status == 400;
        cJSON_Delete(c);
    }
    CHECK(refused == (int)(sizeof bad / sizeof bad[0]), "%d malformed configurations refused with 400", refused);

    uint8_t key[VCONFIG_KEY_LEN], key2[VCONFIG_KEY_LEN];
    for (int i = 0; i < VCONFIG_KEY_LEN; i++) { key[i] = (uint8_t)i; key2[i] = (uint8_t)(i + 1); }
    const char *plain = "{\"API_KEY\":\"sw0rdfish\"}";
    uint8_t *sealed = NULL, *opened = NULL, *sealed2 = NULL;
    size_t sl = 0, ol = 0, sl2 = 0;
    CHECK(vconfig_seal(key, "app", (const uint8_t *)plain, strlen(plain), &sealed, &sl) &&
              sl == strlen(plain) + VCONFIG_NONCE_LEN + VCONFIG_TAG_LEN,
          "sealing adds a 12-byte nonce and a 16-byte tag");
    CHECK(!memmem(sealed, sl, "sw0rdfish", 9), "the sealed bytes do not hold the value");
    CHECK(vconfig_open(key, "app", sealed, sl, &opened, &ol) && ol == strlen(plain) && !strcmp((char *)opened, plain),
          "round trip");
    free(opened);
    CHECK(!vconfig_open(key2, "app", sealed, sl, &opened, &ol), "another key does not open it");
    CHECK(!vconfig_open(key, "other", sealed, sl, &opened, &ol), "another module (aad) does not open it");
    int flips = 0;
    for (size_t i = 0; i < sl; i++) {
        sealed[i] ^= 1;
        flips += !vconfig_open(key, "app", sealed, sl, &opened, &ol);
        sealed[i] ^= 1;
    }
    CHECK(flips == (int)sl, "any flipped bit is detected (%d of %zu)", flips, sl);
    CHECK(!vconfig_open(key, "app", sealed, 20, &opened, &ol), "a truncated blob does not open");
    CHECK(vconfig_seal(key, "app", (const uint8_t *)plain, strlen(plain), &sealed2, &sl2) &&
              memcmp(sealed, sealed2, VCONFIG_NONCE_LEN),
          "each seal has its own nonce");
    free(sealed);
    free(sealed2);

    cJSON *env = cJSON_Parse("{\"A\":\"1\"}"), *names = cJSON_Parse("[\"S\"]");
    cJSON *red = vconfig_redacted(env, names);
    char *txt = cJSON_PrintUnformatted(red);
    CHECK(txt && !strcmp(txt, "{\"env\":{\"A\":\"1\"},\"secrets\":{\"S\":\"<redacted>\"}}"), "redacted view (%s)",
          txt ? txt : "null");
    free(txt);
    cJSON_Delete(red);
    cJSON_Delete(env);
    cJSON_Delete(names);

    char dir[] = "/tmp/kiln-vconfig-XXXXXX";
    uint8_t k1[VCONFIG_KEY_LEN], k2[VCONFIG_KEY_LEN];
    char path[300];
    struct stat st;
    CHECK(mkdtemp(dir) && vconfig_key_load_or_create(dir, k1, &e) && vconfig_key_load_or_create(dir, k2, &e) &&
              !memcmp(k1, k2, sizeof k1),
          "the key is made once and read back");
    snprintf(path, sizeof path, "%s/secrets.key", dir);
    CHECK(stat(path, &st) == 0 && (st.st_mode & 0777) == 0600 && st.st_size == VCONFIG_KEY_LEN, "secrets.key is 0600, 32 bytes");
    chmod(path, 0644);
    CHECK(!vconfig_key_load_or_create(dir, k2, &e) && strstr(e.message, "readable by others"),
          "a key readable by others is refused");
    unlink(path);
    rmdir(dir);
    TAP_DONE();
}
