/*
 * price.c — price tables (built in, or parsed from `key = value` files) and
 * the arithmetic that turns a usage record into money.
 *
 * The model is linear on purpose: every published serverless price we know
 * is a sum of (unit price x quantity) terms, and a linear model can be
 * checked by hand. Free allowances, monthly subscriptions and volume tiers
 * are left out: they depend on a whole month's traffic, not on one call.
 */
#include <ctype.h>
#include <errno.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "kiln_meter.h"

/* Read on 2026-11-27; docs/metering.md quotes the pages. */
static const kiln_prices builtins[] = {
    {
        .name = "aws-lambda-x86",
        .currency = "USD",
        .per_million_requests = 0.20,
        .per_gb_second = 0.0000166667,
        .source = "AWS Lambda, x86, first duration tier, US East: $0.20 per 1M requests, "
                  "$0.0000166667 per GB-second; https://aws.amazon.com/lambda/pricing/ (read 2026-11-27)",
    },
    {
        .name = "cloudflare-workers",
        .currency = "USD",
        .per_million_requests = 0.30,
        .per_million_cpu_ms = 0.02,
        .source = "Cloudflare Workers, Standard usage model: $0.30 per additional million requests, "
                  "$0.02 per additional million CPU ms; "
                  "https://developers.cloudflare.com/workers/platform/pricing/ (read 2026-11-27)",
    },
};
#define NBUILTINS (sizeof builtins / sizeof builtins[0])

bool kiln_prices_builtin(const char *name, kiln_prices *out) {
    for (size_t i = 0; i < NBUILTINS; i++)
        if (!strcmp(builtins[i].name, name)) { *out = builtins[i]; return true; }
    return false;
}

const char *kiln_prices_builtin_name(size_t i) { return i < NBUILTINS ? builtins[i].name : NULL; }

/* ---------------------------------------------------------------- parsing */

typedef struct key {
    const char *name;
    size_t offset;  /* into kiln_prices */
    int kind;       /* 0: price, 1: text (size), 2: currency */
    size_t size;
} key;

#define PRICE(f) {#f, offsetof(kiln_prices, f), 0, 0}
static const key keys[] = {
    {"name", offsetof(kiln_prices, name), 1, sizeof((kiln_prices *)0)->name},
    {"currency", offsetof(kiln_prices, currency), 2, sizeof((kiln_prices *)0)->currency},
    {"source", offsetof(kiln_prices, source), 1, sizeof((kiln_prices *)0)->source},
    PRICE(per_million_requests),
    PRICE(per_gb_second),
    PRICE(per_million_cpu_ms),
    PRICE(per_billion_instructions),
    PRICE(per_gb_io),
};
#define NKEYS (sizeof keys / sizeof keys[0])

static void trim(const char **b, const char **e) {
    while (*b < *e && isspace((unsigned char)**b)) (*b)++;
    while (*e > *b && isspace((unsigned char)(*e)[-1])) (*e)--;
}

bool kiln_prices_parse(const char *text, size_t len, kiln_prices *out, kiln_error *err) {
    kiln_prices p;
    memset(&p, 0, sizeof p);
    bool seen[NKEYS] = {false};
    const char *s = text, *end = text + len;
    for (unsigned line = 1; s < end; line++) {
        const char *nl = memchr(s, '\n', (size_t)(end - s));
        const char *b = s, *e = nl ? nl : end;
        s = nl ? nl + 1 : end;
        trim(&b, &e);
        if (b == e || *b == '#') continue;
        const char *eq = memchr(b, '=', (size_t)(e - b));
        if (!eq) {
            kiln_error_set(err, KILN_ERR_ARGUMENT, "line %u: expected 'key = value', got '%.*s'", line, (int)(e - b > 60 ? 60 : e - b), b);
            return false;
        }
        const char *kb = b, *ke = eq, *vb = eq + 1, *ve = e;
        trim(&kb, &ke);
        trim(&vb, &ve);
        size_t k = 0;
        while (k < NKEYS && !(strlen(keys[k].name) == (size_t)(ke - kb) && !memcmp(keys[k].name, kb, (size_t)(ke - kb))))
            k++;
        if (k == NKEYS) {
            kiln_error_set(err, KILN_ERR_ARGUMENT,
                   "line %u: unknown key '%.*s' (known: name, currency, source, per_million_requests, "
                   "per_gb_second, per_million_cpu_ms, per_billion_instructions, per_gb_io)",
                   line, (int)(ke - kb > 60 ? 60 : ke - kb), kb);
            return false;
        }
        if (seen[k]) { kiln_error_set(err, KILN_ERR_ARGUMENT, "line %u: '%s' is given twice", line, keys[k].name); return false; }
        seen[k] = true;
        char *field = (char *)&p + keys[k].offset;
        if (keys[k].kind == 0) {
            /* A number, optionally followed by a comment. */
            const char *hash = memchr(vb, '#', (size_t)(ve - vb));
            if (hash) { ve = hash; trim(&vb, &ve); }
            char buf[64];
            if (vb == ve || (size_t)(ve - vb) >= sizeof buf) {
                kiln_error_set(err, KILN_ERR_ARGUMENT, "line %u: '%s' needs a number", line, keys[k].name);
                return false;
            }
            memcpy(buf, vb, (size_t)(ve - vb));
            buf[ve - vb] = 0;
            char *stop;
            errno = 0;
            double v = strtod(buf, &stop);
            if (stop == buf || *stop || errno || !isfinite(v) || v < 0) {
                kiln_error_set(err, KILN_ERR_ARGUMENT, "line %u: '%s' is not a price (a number >= 0, such as 0.0000166667)", line, buf);
                return false;
            }
            memcpy(field, &v, sizeof v);
        } else {
            size_t n = (size_t)(ve - vb);
            if (n >= keys[k].size) {
                kiln_error_set(err, KILN_ERR_ARGUMENT, "line %u: '%s' is longer than %zu characters", line, keys[k].name, keys[k].size - 1);
                return false;
            }
            if (keys[k].kind == 2) {
                for (const char *c = vb; c < ve; c++)
                    if (!isalpha((unsigned char)*c)) {
                        kiln_error_set(err, KILN_ERR_ARGUMENT, "line %u: currency '%.*s' should be letters, such as USD or EUR", line, (int)n, vb);
                        return false;
                    }
                if (!n) { kiln_error_set(err, KILN_ERR_ARGUMENT, "line %u: currency is empty", line); return false; }
            }
            memcpy(field, vb, n);
            field[n] = 0;
        }
    }
    if (!p.currency[0]) strcpy(p.currency, "USD");
    *out = p;
    return true;
}

bool kiln_prices_load(const char *path, kiln_prices *out, kiln_error *err) {
    FILE *f = fopen(path, "rb");
    if (!f) { kiln_error_set(err, errno == ENOENT ? KILN_ERR_NOT_FOUND : KILN_ERR_IO, "cannot open price table '%s': %s", path, strerror(errno)); return false; }
    /* A price table is a few lines; anything large is a mistake. */
    char *buf = malloc(65537);
    if (!buf) { fclose(f); kiln_error_set(err, KILN_ERR_NO_MEMORY, "out of memory"); return false; }
    size_t n = fread(buf, 1, 65537, f);
    bool rd_err = ferror(f);
    fclose(f);
    if (rd_err) { free(buf); kiln_error_set(err, KILN_ERR_IO, "cannot read price table '%s'", path); return false; }
    if (n > 65536) { free(buf); kiln_error_set(err, KILN_ERR_ARGUMENT, "price table '%s' is larger than 64 KiB", path); return false; }
    kiln_error e2 = {0};
    bool ok = kiln_prices_parse(buf, n, out, &e2);
    free(buf);
    if (!ok) { kiln_error_set(err, e2.code, "price table '%s': %s", path, e2.message); return false; }
    if (!out->name[0]) {
        /* Name it after the file, so a report says which table priced it. */
        const char *base = strrchr(path, '/');
        snprintf(out->name, sizeof out->name, "%s", base ? base + 1 : path);
    }
    return true;
}

/* ---------------------------------------------------------------- cost */

void kiln_cost_of(const kiln_usage *u, const kiln_prices *p, kiln_cost *out) {
    memset(out, 0, sizeof *out);
    out->requests = p->per_million_requests / 1e6;
    out->memory = u->memory_gib_seconds * p->per_gb_second;
    out->cpu = ((double)u->cpu_ns / 1e6) / 1e6 * p->per_million_cpu_ms;
    out->instructions = (double)u->instructions / 1e9 * p->per_billion_instructions;
    out->io = (double)kiln_usage_io_bytes(u) / KILN_GIB * p->per_gb_io;
    out->per_call = out->requests + out->memory + out->cpu + out->instructions + out->io;
    out->per_million_calls = out->per_call * 1e6;
}

/* ---------------------------------------------------------------- option values */

/* Splits "12.5ms" into a non-negative decimal number and its unit. */
static bool number_unit(const char *s, long double *v, const char **unit) {
    const char *p = s;
    if (!isdigit((unsigned char)*p) && *p != '.') return false;
    bool digits = false;
    while (isdigit((unsigned char)*p)) { p++; digits = true; }
    if (*p == '.') {
        p++;
        while (isdigit((unsigned char)*p)) { p++; digits = true; }
    }
    if (!digits) return false;
    char buf[64];
    if ((size_t)(p - s) >= sizeof buf) return false;
    memcpy(buf, s, (size_t)(p - s));
    buf[p - s] = 0;
    *v = strtold(buf, NULL);
    *unit = p;
    return true;
}

bool kiln_parse_duration(const char *s, uint64_t *ns, kiln_error *err) {
    static const struct { const char *u; long double ns; } units[] = {
        {"ns", 1}, {"us", 1e3L}, {"ms", 1e6L}, {"s", 1e9L}, {"m", 60e9L}, {"min", 60e9L}, {"h", 3600e9L},
    };
    long double v;
    const char *unit;
    if (!s || !number_unit(s, &v, &unit)) {
        kiln_error_set(err, KILN_ERR_ARGUMENT, "'%s' is not a duration: want a number and a unit, such as 500ms, 2s or 1m", s ? s : "");
        return false;
    }
    if (!*unit) {
        kiln_error_set(err, KILN_ERR_ARGUMENT, "'%s' needs a unit: ns, us, ms, s or m (such as %sms or %ss)", s, s, s);
        return false;
    }
    for (size_t i = 0; i < sizeof units / sizeof units[0]; i++) {
        if (strcmp(unit, units[i].u)) continue;
        long double t = v * units[i].ns;
        if (t < 1) { kiln_error_set(err, KILN_ERR_ARGUMENT, "'%s': a duration must be at least 1ns", s); return false; }
        if (t >= 18446744073709551615.0L) { kiln_error_set(err, KILN_ERR_ARGUMENT, "'%s' is too long a duration", s); return false; }
        *ns = (uint64_t)(t + 0.5L);
        return true;
    }
    kiln_error_set(err, KILN_ERR_ARGUMENT, "'%s': unknown unit '%s' (use ns, us, ms, s or m)", s, unit);
    return false;
}

bool kiln_parse_size(const char *s, uint64_t *bytes, kiln_error *err) {
    static const struct { const char *u; long double mul; } units[] = {
        {"", 1}, {"b", 1},
        {"k", 1024.0L}, {"kb", 1024.0L}, {"kib", 1024.0L},
        {"m", 1048576.0L}, {"mb", 1048576.0L}, {"mib", 1048576.0L},
        {"g", 1073741824.0L}, {"gb", 1073741824.0L}, {"gib", 1073741824.0L},
        {"t", 1099511627776.0L}, {"tb", 1099511627776.0L}, {"tib", 1099511627776.0L},
    };
    long double v;
    const char *unit;
    if (!s || !number_unit(s, &v, &unit)) {
        kiln_error_set(err, KILN_ERR_ARGUMENT, "'%s' is not a size: want bytes or a number with KiB, MiB or GiB, such as 64MiB", s ? s : "");
        return false;
    }
    char lower[8];
    size_t n = strlen(unit);
    if (n >= sizeof lower) { kiln_error_set(err, KILN_ERR_ARGUMENT, "'%s': unknown size unit '%s' (use KiB, MiB or GiB)", s, unit); return false; }
    for (size_t i = 0; i <= n; i++) lower[i] = (char)tolower((unsigned char)unit[i]);
    for (size_t i = 0; i < sizeof units / sizeof units[0]; i++) {
        if (strcmp(lower, units[i].u)) continue;
        if (!units[i].u[0] && strchr(s, '.')) {
            kiln_error_set(err, KILN_ERR_ARGUMENT, "'%s': a size in bytes must be a whole number", s);
            return false;
        }
        long double b = v * units[i].mul;
        if (b < 1) { kiln_error_set(err, KILN_ERR_ARGUMENT, "'%s': a size must be at least 1 byte", s); return false; }
        if (b >= 18446744073709551615.0L) { kiln_error_set(err, KILN_ERR_ARGUMENT, "'%s' is too large a size", s); return false; }
        *bytes = (uint64_t)b;
        return true;
    }
    kiln_error_set(err, KILN_ERR_ARGUMENT, "'%s': unknown size unit '%s' (use KiB, MiB or GiB; plain numbers are bytes)", s, unit);
    return false;
}

static bool parse_u64(const char *s, uint64_t *n, kiln_error *err) {
    if (!s || !*s) { kiln_error_set(err, KILN_ERR_ARGUMENT, "a number is needed"); return false; }
    uint64_t v = 0;
    for (const char *p = s; *p; p++) {
        if (!isdigit((unsigned char)*p)) { kiln_error_set(err, KILN_ERR_ARGUMENT, "'%s' is not a whole number", s); return false; }
        unsigned d = (unsigned)(*p - '0');
        if (v > (UINT64_MAX - d) / 10) { kiln_error_set(err, KILN_ERR_ARGUMENT, "'%s' is too large", s); return false; }
        v = v * 10 + d;
    }
    *n = v;
    return true;
}

bool kiln_parse_fuel(const char *s, bool allow_zero, uint64_t *n, kiln_error *err) {
    uint64_t v;
    if (!parse_u64(s, &v, err)) {
        if (s && *s && strspn(s, "0123456789") == strlen(s)) v = UINT64_MAX; /* too large for 64 bits */
        else return false;
    }
    if (!v && !allow_zero) { kiln_error_set(err, KILN_ERR_ARGUMENT, "'%s': must be at least 1", s); return false; }
    if (v > KILN_MAX_FUEL) {
        kiln_error_set(err, KILN_ERR_ARGUMENT, "'%s' is more fuel than a store can hold (at most %llu)", s, (unsigned long long)KILN_MAX_FUEL);
        return false;
    }
    *n = v;
    return true;
}

bool kiln_parse_count(const char *s, uint64_t *n, kiln_error *err) {
    uint64_t v;
    if (!parse_u64(s, &v, err)) return false;
    if (!v) { kiln_error_set(err, KILN_ERR_ARGUMENT, "'%s': must be at least 1", s); return false; }
    *n = v;
    return true;
}
