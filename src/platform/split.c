/* split.c — gradual rollout arithmetic (see split.h). */
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "platform/split.h"

bool split_parse_steps(const char *s, int steps_bp[SPLIT_MAX_STEPS], int *n, char *why, size_t why_size) {
    *n = 0;
    const char *want = "want increasing percentages ending at 100, e.g. 10,25,50,100";
    if (!s || !*s) { snprintf(why, why_size, "no steps: %s", want); return false; }
    const char *p = s;
    while (*p) {
        if (!isdigit((unsigned char)*p)) { snprintf(why, why_size, "'%s': %s", s, want); return false; }
        char *end;
        double v = strtod(p, &end);
        if (end == p || (*end && *end != ',') || !(v > 0) || v > 100) {
            snprintf(why, why_size, "'%s': each step must be a percentage above 0 and at most 100; %s", s, want);
            return false;
        }
        int bp = (int)(v * 100 + 0.5);
        if (*n == SPLIT_MAX_STEPS) { snprintf(why, why_size, "'%s': at most %d steps", s, SPLIT_MAX_STEPS); return false; }
        if (*n && bp <= steps_bp[*n - 1]) { snprintf(why, why_size, "'%s': the steps must increase; %s", s, want); return false; }
        steps_bp[(*n)++] = bp;
        p = end;
        if (*p == ',') {
            p++;
            if (!*p) { snprintf(why, why_size, "'%s': %s", s, want); return false; }
        }
    }
    if (steps_bp[*n - 1] != SPLIT_SCALE) { snprintf(why, why_size, "'%s': the last step must be 100; %s", s, want); return false; }
    return true;
}

void split_format_steps(const int *steps_bp, int n, char *buf, size_t size) {
    size_t len = 0;
    buf[0] = 0;
    for (int i = 0; i < n && len < size; i++) {
        int w = snprintf(buf + len, size - len, "%s%g", i ? "," : "", steps_bp[i] / 100.0);
        if (w < 0) return;
        len += (size_t)w;
    }
}

static unsigned mix_bucket(uint64_t h) {
    /* splitmix64's finaliser: the low bits of FNV-1a alone are poorly spread
     * for keys that differ only at the end (user-1, user-2, ...). */
    h ^= h >> 30;
    h *= 0xbf58476d1ce4e5b9u;
    h ^= h >> 27;
    h *= 0x94d049bb133111ebu;
    h ^= h >> 31;
    return (unsigned)(h % SPLIT_SCALE);
}

unsigned split_bucket(const char *key, size_t len) {
    uint64_t h = 0xcbf29ce484222325u;
    for (size_t i = 0; i < len; i++) h = (h ^ (uint8_t)key[i]) * 0x100000001b3u;
    return mix_bucket(h);
}

unsigned split_bucket_random(uint64_t r) { return mix_bucket(r); }

const char *split_client_key(const char *header, const char *cookie, size_t *len) {
    if (header && *header) {
        *len = strlen(header);
        return header;
    }
    for (const char *p = cookie; p && *p;) {
        while (*p == ' ' || *p == ';') p++;
        size_t n = strcspn(p, ";");
        if (n > 9 && !strncmp(p, "kiln-key=", 9)) {
            *len = n - 9;
            while (*len && p[9 + *len - 1] == ' ') (*len)--;
            if (*len) return p + 9;
        }
        p += n;
    }
    *len = 0;
    return NULL;
}
