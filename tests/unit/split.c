/* Unit tests of src/platform/split.c: steps, buckets, stickiness and the
 * share of traffic a weight gives. */
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "platform/split.h"
#include "tap.h"

int main(void) {
    int st[SPLIT_MAX_STEPS], n;
    char why[256], txt[128];
    CHECK(split_parse_steps("10,25,50,100", st, &n, why, sizeof why) && n == 4 && st[0] == 1000 && st[3] == 10000,
          "10,25,50,100 parses to basis points");
    split_format_steps(st, n, txt, sizeof txt);
    CHECK(!strcmp(txt, "10,25,50,100"), "and formats back (%s)", txt);
    CHECK(split_parse_steps("0.5,100", st, &n, why, sizeof why) && st[0] == 50, "half a percent");
    CHECK(split_parse_steps("100", st, &n, why, sizeof why) && n == 1, "one step of 100");
    const char *bad[] = {"", "10,25", "25,10,100", "10,10,100", "0,100", "10,,100", "10,100,", "x", "150", "10;100", "-5,100"};
    int refused = 0;
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) refused += !split_parse_steps(bad[i], st, &n, why, sizeof why);
    CHECK(refused == (int)(sizeof bad / sizeof bad[0]), "%d malformed step lists refused", refused);

    /* The share of 100,000 keys a 10% weight sends to the new version. */
    int in = 0, stay = 0, moved_back = 0;
    char key[32];
    for (int i = 0; i < 100000; i++) {
        int len = snprintf(key, sizeof key, "user-%d", i);
        unsigned b = split_bucket(key, (size_t)len);
        bool at10 = split_pick(b, 1000), at25 = split_pick(b, 2500);
        in += at10;
        stay += split_bucket(key, (size_t)len) == b;
        moved_back += at10 && !at25;
    }
    CHECK(fabs(in / 100000.0 - 0.10) < 0.005, "10%% weight: %.2f%% of 100,000 keys", in / 1000.0);
    CHECK(stay == 100000, "a key always has the same bucket");
    CHECK(moved_back == 0, "a key on the new version at 10%% is still on it at 25%%");
    in = 0;
    for (uint64_t i = 0; i < 100000; i++) in += split_pick(split_bucket_random(i), 5000);
    CHECK(fabs(in / 100000.0 - 0.5) < 0.01, "keyless requests: 50%% weight gives %.2f%%", in / 1000.0);
    CHECK(!split_pick(0, 0) && split_pick(SPLIT_SCALE - 1, SPLIT_SCALE), "0%% takes nothing, 100%% everything");

    size_t kl;
    const char *k = split_client_key("abc", "kiln-key=zzz", &kl);
    CHECK(k && kl == 3 && !strncmp(k, "abc", 3), "the header wins over the cookie");
    k = split_client_key(NULL, "a=1; kiln-key=u42; b=2", &kl);
    CHECK(k && kl == 3 && !strncmp(k, "u42", 3), "the cookie among others");
    CHECK(!split_client_key(NULL, "a=1; xkiln-key=u42", &kl) && !split_client_key(NULL, NULL, &kl) &&
              !split_client_key("", "kiln-key=", &kl),
          "no key: NULL");
    TAP_DONE();
}
