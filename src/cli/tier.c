/* tier.c — --tier, --cache, --no-cache and --cc for the commands that run
 * code, and the background compile of --tier=auto. */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "cli/cli.h"
#include "cli/tier.h"

/* auto compiles only programs that run at least this long: most runs of
 * a small program end first, and a compile they do not need would cost the
 * machine seconds of CPU each time. */
#define AUTO_DELAY_MS 250

typedef struct bg {
    pthread_t th;
    pthread_mutex_t mu;
    pthread_cond_t cv;
    int cancel;
    kiln_module *m;
    kiln_instance *inst; /* set once instantiated (under mu) */
    kiln_native_options o;
    char cache[4096];
    bool done;
} bg;

static const char *opt_value(const char *cmd, int argc, char **argv, int *i, const char *name) {
    size_t n = strlen(name);
    const char *a = argv[*i];
    if (a[n] == '=') return a + n + 1;
    if (*i + 1 >= argc) {
        fprintf(stderr, "kiln %s: %s needs a value\nRun 'kiln %s --help' for the options.\n", cmd, name, cmd);
        return NULL;
    }
    return argv[++*i];
}

static bool is(const char *a, const char *name) {
    size_t n = strlen(name);
    return !strncmp(a, name, n) && (a[n] == 0 || a[n] == '=');
}

int cli_tier_parse(cli_tier *t, const char *cmd, int argc, char **argv, int *i) {
    const char *a = argv[*i], *v;
    if (is(a, "--tier")) {
        if (!(v = opt_value(cmd, argc, argv, i, "--tier"))) return 1;
        t->set = true;
        if (!strcmp(v, "auto")) t->tier = TIER_AUTO;
        else if (!strcmp(v, "interp")) t->tier = TIER_INTERP;
        else if (!strcmp(v, "native")) t->tier = TIER_NATIVE;
        else {
            fprintf(stderr, "kiln %s: bad --tier '%s': want auto, interp or native\n", cmd, v);
            return 1;
        }
        return 0;
    }
    if (is(a, "--cache")) {
        if (!(v = opt_value(cmd, argc, argv, i, "--cache"))) return 1;
        if (!*v) { fprintf(stderr, "kiln %s: --cache needs a directory\n", cmd); return 1; }
        t->cache = v;
        return 0;
    }
    if (!strcmp(a, "--no-cache")) { t->no_cache = true; return 0; }
    if (is(a, "--cc")) {
        if (!(v = opt_value(cmd, argc, argv, i, "--cc"))) return 1;
        if (!*v) { fprintf(stderr, "kiln %s: --cc needs a compiler\n", cmd); return 1; }
        t->cc = v;
        return 0;
    }
    return -1;
}

void cli_tier_native_options(const cli_tier *t, kiln_native_options *o, char *cache_buf, size_t n) {
    memset(o, 0, sizeof *o);
    o->cc = t->cc;
    const char *nm = getenv("KILN_NATIVE_NO_METER");
    o->no_meter = nm && !strcmp(nm, "1");
    const char *bi = getenv("KILN_NATIVE_BASELINE");
    o->baseline_isa = bi && !strcmp(bi, "1");
    const char *to = getenv("KILN_NATIVE_TIMEOUT_MS");
    if (to && *to) o->timeout_ms = (uint32_t)strtoul(to, NULL, 10);
    if (t->no_cache) return;
    if (t->cache) { snprintf(cache_buf, n, "%s", t->cache); o->cache_dir = cache_buf; }
    else if (kiln_native_default_cache(cache_buf, n)) o->cache_dir = cache_buf;
}

static void say(const char *cmd, const char *what) {
    const char *v = getenv("KILN_TIER_VERBOSE");
    if (v && *v && strcmp(v, "0")) fprintf(stderr, "kiln %s: tier: %s\n", cmd, what);
}

static void *bg_main(void *arg) {
    bg *b = arg;
    struct timespec until;
    clock_gettime(CLOCK_REALTIME, &until);
    until.tv_nsec += AUTO_DELAY_MS * 1000000L;
    until.tv_sec += until.tv_nsec / 1000000000L;
    until.tv_nsec %= 1000000000L;
    pthread_mutex_lock(&b->mu);
    while (!b->cancel && pthread_cond_timedwait(&b->cv, &b->mu, &until) == 0) {}
    bool go = !b->cancel;
    pthread_mutex_unlock(&b->mu);
    if (go) {
        kiln_error err = {0};
        if (kiln_module_compile_native(b->m, &b->o, NULL, &err)) {
            pthread_mutex_lock(&b->mu);
            if (b->inst && !b->cancel && kiln_instance_use_native(b->inst)) say("run", "switched to native");
            pthread_mutex_unlock(&b->mu);
        } else if (!__atomic_load_n(&b->cancel, __ATOMIC_RELAXED) && getenv("KILN_TIER_VERBOSE")) {
            fprintf(stderr, "kiln: the background native compile failed: %s\n", err.message);
        }
    }
    pthread_mutex_lock(&b->mu);
    b->done = true;
    pthread_mutex_unlock(&b->mu);
    return NULL;
}

bool cli_tier_prepare(cli_tier *t, const char *cmd, kiln_module *m) {
    if (!t->set) {
        /* KILN_TIER sets the default (test suites run everything natively
         * with it); --tier wins. */
        const char *e = getenv("KILN_TIER");
        if (e && !strcmp(e, "native")) t->tier = TIER_NATIVE;
        else if (e && !strcmp(e, "interp")) t->tier = TIER_INTERP;
    }
    if (t->tier == TIER_INTERP) { say(cmd, "interp"); return true; }
    char cache[4096];
    kiln_native_options o;
    cli_tier_native_options(t, &o, cache, sizeof cache);
    kiln_error err = {0};
    kiln_native_info info;
    if (t->tier == TIER_NATIVE) {
        if (!kiln_module_compile_native(m, &o, &info, &err)) { cli_fail(cmd, "%s", err.message); return false; }
        say(cmd, info.from_cache ? "native (from the cache)" : "native (compiled)");
        return true;
    }
    /* auto: the cache, or the interpreter now and a compile behind it */
    char why[160];
    if (!kiln_module_native_supported(m, why, sizeof why)) {
        char line[200];
        snprintf(line, sizeof line, "interp (auto; %s)", why);
        say(cmd, line);
        return true;
    }
    if (!o.cache_dir) { say(cmd, "interp (auto, no cache)"); return true; }
    o.no_compile = true;
    if (kiln_module_compile_native(m, &o, &info, &err)) { say(cmd, "native (auto, from the cache)"); return true; }
    say(cmd, "interp (auto; compiling in the background)");
    bg *b = calloc(1, sizeof *b);
    if (!b) return true;
    pthread_mutex_init(&b->mu, NULL);
    pthread_cond_init(&b->cv, NULL);
    b->m = m;
    b->o = o;
    b->o.no_compile = false;
    snprintf(b->cache, sizeof b->cache, "%s", cache);
    b->o.cache_dir = b->cache;
    b->o.cancel = &b->cancel;
    if (pthread_create(&b->th, NULL, bg_main, b)) { free(b); return true; }
    t->thread = b;
    return true;
}

void cli_tier_attach(cli_tier *t, kiln_instance *inst) {
    bg *b = t->thread;
    if (!b) return;
    pthread_mutex_lock(&b->mu);
    b->inst = inst;
    pthread_mutex_unlock(&b->mu);
}

void cli_tier_finish(cli_tier *t) {
    bg *b = t->thread;
    if (!b) return;
    /* A run that ended before its compile cancels it: short programs do
     * not need native code, and waiting would make them slow. */
    pthread_mutex_lock(&b->mu);
    if (!b->done) __atomic_store_n(&b->cancel, 1, __ATOMIC_RELAXED);
    b->inst = NULL;
    pthread_cond_broadcast(&b->cv);
    pthread_mutex_unlock(&b->mu);
    pthread_join(b->th, NULL);
    pthread_mutex_destroy(&b->mu);
    pthread_cond_destroy(&b->cv);
    free(b);
    t->thread = NULL;
}
