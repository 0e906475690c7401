/*
 * build.c — compiling a module's C translation with the system's C compiler,
 * and the artifact cache.
 *
 * A module is hostile input, and now so is the C made from it (gen.c lets
 * only numbers through). The compiler runs without a shell, from a private
 * temporary directory (mode 0700) holding only what it needs, with a minimal
 * environment, in its own process group, under limits on address space,
 * CPU time and file size, and is killed with its whole group at the
 * wall-clock limit.
 *
 * Cache: an artifact is the shared object behind a header that repeats its
 * key and the SHA-256 of the object. The key is the SHA-256 of everything
 * the object depends on: the module's bytes, kiln's version, the hash of the
 * headers the C was compiled against, the compiler's identity and flags,
 * the engine configuration and CPU features that change the code. A file
 * whose header, length or digest does not match is never loaded (it is
 * rebuilt), and a cache directory or file that another user could write is
 * refused: loading it would run their code.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <sched.h>
#include <fcntl.h>
#include <ftw.h>
#include <limits.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <openssl/evp.h>

#include "engine/engine.h"
#include "engine/native/native.h"
#include "engine/errkind.h"

/* Native code's failures: the OS's (IO), memory, or what this machine's
 * compiler or cache cannot do (UNSUPPORTED: the interpreter still can). */
static bool fail_code(kiln_error *err, kiln_error_code code, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
static bool fail_code(kiln_error *err, kiln_error_code code, const char *fmt, ...) {
    va_list ap;
    va_start(ap, fmt);
    error_vset(err, code, fmt, ap);
    va_end(ap);
    return false;
}

/* The ABI key: the build's SHA-256 of every embedded file and every engine
 * source that shapes the generated C (mk/native.mk), folded to 64 bits. */
uint64_t native_abi(void) {
    uint64_t x = 1469598103934665603ull; /* FNV-1a over the hash's digits */
    for (const char *p = native_sources_hash; *p; p++) x = (x ^ (uint8_t)*p) * 1099511628211ull;
    return x ? x : 1;
}

/* ------------------------------------------------------------ the compiler */

static const char *default_cc(const char *cc) {
    if (cc && *cc) return cc;
    const char *e = getenv("KILN_CC");
    return e && *e ? e : "gcc";
}

/* Resolves a compiler name on PATH to an absolute, real path. */
static bool resolve_cc(const char *cc, char *out, size_t n, kiln_error *err) {
    char cand[PATH_MAX];
    if (strchr(cc, '/')) {
        if (!realpath(cc, out) || access(out, X_OK)) return fail_code(err, KILN_ERR_UNSUPPORTED, "native: the C compiler %s is not executable", cc);
        (void)n;
        return true;
    }
    const char *path = getenv("PATH");
    if (!path || !*path) path = "/usr/local/bin:/usr/bin:/bin";
    for (const char *p = path; *p;) {
        const char *e = strchr(p, ':');
        size_t l = e ? (size_t)(e - p) : strlen(p);
        if (l && l + strlen(cc) + 2 < sizeof cand) {
            snprintf(cand, sizeof cand, "%.*s/%s", (int)l, p, cc);
            if (access(cand, X_OK) == 0 && realpath(cand, out)) return true;
        }
        p += l;
        if (*p == ':') p++;
    }
    return fail_code(err, KILN_ERR_UNSUPPORTED, "native: the C compiler '%s' was not found on PATH (install gcc, or set KILN_CC or --cc)", cc);
}

bool native_compiler_id(const char *cc, char *out, size_t n, kiln_error *err) {
    char real[PATH_MAX];
    if (!resolve_cc(default_cc(cc), real, sizeof real, err)) return false;
    struct stat st;
    if (stat(real, &st)) return fail_code(err, KILN_ERR_IO, "native: %s: %s", real, strerror(errno));
    snprintf(out, n, "%s:%lld:%lld.%09ld", real, (long long)st.st_size, (long long)st.st_mtim.tv_sec, st.st_mtim.tv_nsec);
    return true;
}

/* The flags every artifact is built with. -ffp-contract=off: no fused
 * multiply-add (wasm rounds every operation). -fsignaling-nans: no folding
 * of x * 1, x / 1 or x - 0 into x, which would let a signaling NaN through
 * where wasm wants it quieted. -fno-math-errno changes no result (errno is
 * invisible to wasm) and lets sqrt be one instruction. Strict aliasing
 * stays off: slots and memory are reinterpreted freely. */
static const char *const cflags[] = {
    "-std=gnu11", "-O2", "-fPIC", "-shared", "-fno-strict-aliasing", "-ffp-contract=off",
    "-fno-math-errno", "-fsignaling-nans", "-fvisibility=hidden", "-fno-semantic-interposition", "-g0", "-w", "-I.",
};

/* The host's extensions that native code is compiled for, beyond the
 * x86-64 baseline: an artifact is made on and for the machine that runs it,
 * as a JIT's code is. SSSE3 and SSE4.1 give v128 operations their
 * one-instruction forms (pmulld, pshufb, pminsd, pextrd, pinsrd, roundps:
 * simd.h), which autovectorized code leans on; SSE4.2 and POPCNT come with
 * every such CPU (the x86-64-v2 level). The flags are in the artifact key,
 * so an artifact made for a richer CPU is never loaded on a poorer one.
 * baseline_isa keeps the baseline (the tests compile both ways). */
#define ISA_MAX_FLAGS 2
static const char *const *isa_flags(const native_options *opt) {
    static const char *const none[] = {NULL};
#if defined(__x86_64__)
    static const char *const v2[] = {"-msse4.2", "-mpopcnt", NULL};
    _Static_assert(sizeof v2 / sizeof v2[0] - 1 <= ISA_MAX_FLAGS, "spawn_cc's argv has room for ISA_MAX_FLAGS");
    if (!opt->baseline_isa && __builtin_cpu_supports("ssse3") && __builtin_cpu_supports("sse4.1") &&
        __builtin_cpu_supports("sse4.2") && __builtin_cpu_supports("popcnt"))
        return v2;
#endif
    (void)opt;
    return none;
}

static bool write_file(const char *dir, const char *rel, const void *data, size_t len, kiln_error *err) {
    char path[PATH_MAX];
    snprintf(path, sizeof path, "%s/%s", dir, rel);
    for (char *s = strchr(path + strlen(dir) + 1, '/'); s; s = strchr(s + 1, '/')) {
        *s = 0;
        if (mkdir(path, 0700) && errno != EEXIST) return fail_code(err, KILN_ERR_IO, "native: mkdir %s: %s", path, strerror(errno));
        *s = '/';
    }
    int fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
    if (fd < 0) return fail_code(err, KILN_ERR_IO, "native: %s: %s", path, strerror(errno));
    const uint8_t *p = data;
    for (size_t off = 0; off < len;) {
        ssize_t w = write(fd, p + off, len - off);
        if (w < 0 && errno == EINTR) continue;
        if (w <= 0) { close(fd); return fail_code(err, KILN_ERR_IO, "native: writing %s: %s", path, strerror(errno)); }
        off += (size_t)w;
    }
    return close(fd) == 0 || fail_code(err, KILN_ERR_IO, "native: writing %s: %s", path, strerror(errno));
}

static bool read_all(const char *path, uint8_t **data, size_t *len, size_t max, kiln_error *err) {
    int fd = open(path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
    if (fd < 0) return fail_code(err, KILN_ERR_IO, "%s: %s", path, strerror(errno));
    struct stat st;
    if (fstat(fd, &st) || !S_ISREG(st.st_mode) || (uint64_t)st.st_size > max) {
        close(fd);
        return fail_code(err, KILN_ERR_UNSUPPORTED, "%s: not a regular file of at most %zu bytes", path, max);
    }
    uint8_t *buf = malloc(st.st_size ? (size_t)st.st_size : 1);
    if (!buf) { close(fd); return fail_code(err, KILN_ERR_NO_MEMORY, "out of memory"); }
    size_t got = 0;
    while (got < (size_t)st.st_size) {
        ssize_t r = read(fd, buf + got, (size_t)st.st_size - got);
        if (r < 0 && errno == EINTR) continue;
        if (r <= 0) break;
        got += (size_t)r;
    }
    close(fd);
    if (got != (size_t)st.st_size) { free(buf); return fail_code(err, KILN_ERR_UNSUPPORTED, "%s: short read", path); }
    *data = buf;
    *len = got;
    return true;
}

static int rm_entry(const char *p, const struct stat *st, int flag, struct FTW *ftw) {
    (void)st; (void)flag; (void)ftw;
    remove(p);
    return 0;
}

static void rm_tree(const char *dir) { nftw(dir, rm_entry, 16, FTW_DEPTH | FTW_PHYS); }

static uint64_t now_ms(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000u + (uint64_t)ts.tv_nsec / 1000000u;
}

/* A compile job: the compiler's arguments after cflags, and its log. */
typedef struct cc_job {
    const char *args[NATIVE_MAX_PARTS + 8];
    char log[32];
    pid_t pid;
} cc_job;

/* Starts one compiler process in dir, its output to dir/<log>. */
static pid_t spawn_cc(const char *cc_path, const char *dir, const cc_job *j, const native_options *opt) {
    const char *argv[sizeof cflags / sizeof cflags[0] + ISA_MAX_FLAGS + NATIVE_MAX_PARTS + 10];
    size_t n = 0;
    argv[n++] = cc_path;
    for (size_t i = 0; i < sizeof cflags / sizeof cflags[0]; i++) argv[n++] = cflags[i];
    for (const char *const *f = isa_flags(opt); *f; f++) argv[n++] = *f;
    for (size_t i = 0; j->args[i]; i++) argv[n++] = j->args[i];
    argv[n] = NULL;
    char tmpdir[PATH_MAX + 8];
    snprintf(tmpdir, sizeof tmpdir, "TMPDIR=%s", dir);
    char *envp[] = {"PATH=/usr/local/bin:/usr/bin:/bin", "LC_ALL=C", tmpdir, NULL};
    uint64_t timeout = opt->timeout_ms ? opt->timeout_ms : 300000;
    rlim_t as = opt->memory_limit ? opt->memory_limit : (rlim_t)4 << 30;
    pid_t pid = fork();
    if (pid == 0) {
        /* Only async-signal-safe calls until exec: the parent may have threads. */
        setpgid(0, 0);
        struct rlimit r = {as, as};
        setrlimit(RLIMIT_AS, &r);
        r.rlim_cur = r.rlim_max = (rlim_t)(timeout / 1000 + 2);
        setrlimit(RLIMIT_CPU, &r);
        r.rlim_cur = r.rlim_max = (rlim_t)1 << 30;
        setrlimit(RLIMIT_FSIZE, &r);
        r.rlim_cur = r.rlim_max = 0;
        setrlimit(RLIMIT_CORE, &r);
        if (chdir(dir)) _exit(126);
        int in = open("/dev/null", O_RDONLY);
        int log = open(j->log, O_WRONLY | O_CREAT | O_TRUNC, 0600);
        if (in < 0 || log < 0) _exit(126);
        dup2(in, 0);
        dup2(log, 1);
        dup2(log, 2);
        execve(cc_path, (char *const *)argv, envp);
        _exit(127);
    }
    if (pid > 0) setpgid(pid, pid); /* also here: no race with the child's own call */
    return pid;
}

static void kill_job(cc_job *j) {
    if (j->pid <= 0) return;
    int status;
    kill(-j->pid, SIGKILL);
    kill(j->pid, SIGKILL);
    waitpid(j->pid, &status, 0);
    j->pid = 0;
}

/* Why a job failed: the compiler's last line says it. */
static bool job_failed(const char *dir, const cc_job *j, int status, kiln_error *err) {
    char path[PATH_MAX + 40], line[256] = "", last[256] = "";
    snprintf(path, sizeof path, "%s/%s", dir, j->log);
    FILE *f = fopen(path, "r");
    if (f) {
        while (fgets(line, sizeof line, f)) {
            line[strcspn(line, "\n")] = 0;
            if (*line) snprintf(last, sizeof last, "%s", line);
        }
        fclose(f);
    }
    if (WIFSIGNALED(status))
        return fail_code(err, KILN_ERR_UNSUPPORTED, "native: the C compiler was killed by signal %d (a limit?)%s%s", WTERMSIG(status),
                    *last ? ": " : "", last);
    return fail_code(err, KILN_ERR_UNSUPPORTED, "native: the C compiler failed (exit %d)%s%s", WIFEXITED(status) ? WEXITSTATUS(status) : -1,
                *last ? ": " : "", last);
}

/* How many compilers run at once: the CPUs this process may use. */
static unsigned cc_parallel(void) {
    cpu_set_t cs;
    int n = sched_getaffinity(0, sizeof cs, &cs) == 0 ? CPU_COUNT(&cs) : (int)sysconf(_SC_NPROCESSORS_ONLN);
    return n < 1 ? 1 : n > 16 ? 16 : (unsigned)n;
}

/* Runs the jobs in dir, at most cc_parallel() at once, under one
 * wall-clock limit for them all; the first failure, a cancel or the limit
 * stops every one still running (with its whole process group). */
static bool run_jobs(const char *cc_path, const char *dir, cc_job *jobs, unsigned njobs, const native_options *opt,
                     uint64_t deadline, kiln_error *err) {
    unsigned par = opt->jobs ? opt->jobs : cc_parallel(), next = 0, running = 0, done = 0;
    bool ok = true;
    while (ok && done < njobs) {
        while (running < par && next < njobs) {
            jobs[next].pid = spawn_cc(cc_path, dir, &jobs[next], opt);
            if (jobs[next].pid < 0) { jobs[next].pid = 0; ok = fail_code(err, KILN_ERR_IO, "native: fork: %s", strerror(errno)); break; }
            next++, running++;
        }
        for (unsigned i = 0; ok && i < next; i++) {
            if (jobs[i].pid <= 0) continue;
            int status = 0;
            pid_t w = waitpid(jobs[i].pid, &status, WNOHANG);
            if (w < 0 && errno == EINTR) continue;
            if (w < 0) { ok = fail_code(err, KILN_ERR_IO, "native: waitpid: %s", strerror(errno)); break; }
            if (w == 0) continue;
            kill(-jobs[i].pid, SIGKILL); /* anything it left behind */
            jobs[i].pid = 0;
            running--, done++;
            if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) ok = job_failed(dir, &jobs[i], status, err);
        }
        if (!ok || done == njobs) break;
        if (opt->cancel && __atomic_load_n(opt->cancel, __ATOMIC_RELAXED)) {
            ok = fail_code(err, KILN_ERR_UNSUPPORTED, "native: compile cancelled");
            break;
        }
        if (now_ms() >= deadline) {
            ok = fail_code(err, KILN_ERR_UNSUPPORTED, "native: the C compiler took longer than %llu ms; stopped",
                           (unsigned long long)(opt->timeout_ms ? opt->timeout_ms : 300000));
            break;
        }
        struct timespec ts = {0, 5 * 1000000};
        nanosleep(&ts, NULL);
    }
    for (unsigned i = 0; i < next; i++) kill_job(&jobs[i]);
    return ok;
}

/* Compiles the parts (p<k>.c, or mod.c alone) in dir into dir/out.so: one
 * compiler run for one part; otherwise one per part side by side (-c),
 * then a link. */
static bool run_cc(const char *cc_path, const char *dir, unsigned nparts, const native_options *opt, kiln_error *err) {
    uint64_t deadline = now_ms() + (opt->timeout_ms ? opt->timeout_ms : 300000);
    cc_job *jobs = calloc(nparts + 1, sizeof *jobs);
    if (!jobs) return fail_code(err, KILN_ERR_NO_MEMORY, "out of memory");
    bool ok;
    if (nparts == 1) {
        cc_job *j = &jobs[0];
        const char *a[] = {"-o", "out.so", "mod.c", "-lm", NULL};
        memcpy(j->args, a, sizeof a);
        snprintf(j->log, sizeof j->log, "cc.log");
        ok = run_jobs(cc_path, dir, jobs, 1, opt, deadline, err);
    } else {
        char (*nm)[2][16] = calloc(nparts, sizeof *nm);
        if (!nm) { free(jobs); return fail_code(err, KILN_ERR_NO_MEMORY, "out of memory"); }
        for (unsigned k = 0; k < nparts; k++) {
            snprintf(nm[k][0], 16, "p%u.c", k);
            snprintf(nm[k][1], 16, "p%u.o", k);
            const char *a[] = {"-c", "-o", nm[k][1], nm[k][0], NULL};
            memcpy(jobs[k].args, a, sizeof a);
            snprintf(jobs[k].log, sizeof jobs[k].log, "cc%u.log", k);
        }
        ok = run_jobs(cc_path, dir, jobs, nparts, opt, deadline, err);
        if (ok) {
            cc_job *l = &jobs[nparts];
            size_t n = 0;
            l->args[n++] = "-o";
            l->args[n++] = "out.so";
            for (unsigned k = 0; k < nparts; k++) l->args[n++] = nm[k][1];
            l->args[n++] = "-lm";
            l->args[n] = NULL;
            snprintf(l->log, sizeof l->log, "ld.log");
            ok = run_jobs(cc_path, dir, l, 1, opt, deadline, err);
        }
        free(nm);
    }
    free(jobs);
    return ok;
}

bool native_build(const kiln_module *m, const native_options *opt, uint8_t **so, size_t *so_len, size_t *c_len,
                  unsigned *c_parts, kiln_error *err) {
    char cc_path[PATH_MAX];
    if (!resolve_cc(default_cc(opt->cc), cc_path, sizeof cc_path, err)) return false;
    const char *tmp = getenv("TMPDIR");
    char dir[PATH_MAX];
    snprintf(dir, sizeof dir, "%s/kiln-native-XXXXXX", tmp && *tmp ? tmp : "/tmp");
    if (!mkdtemp(dir)) return fail_code(err, KILN_ERR_IO, "native: cannot make a temporary directory in %s: %s", tmp && *tmp ? tmp : "/tmp", strerror(errno));
    bool ok = true;
    for (unsigned i = 0; i < native_nfiles && ok; i++)
        ok = write_file(dir, native_files[i].path, native_files[i].data, native_files[i].len, err);
    native_part *parts = NULL;
    unsigned np = 0;
    if (ok) ok = native_generate_parts(m, opt, native_abi(), NATIVE_PART_BYTES, &parts, &np, err);
    *c_len = 0;
    for (unsigned k = 0; ok && k < np; k++) {
        char name[16];
        if (np == 1) snprintf(name, sizeof name, "mod.c");
        else snprintf(name, sizeof name, "p%u.c", k);
        ok = write_file(dir, name, parts[k].text, parts[k].len, err);
        *c_len += parts[k].len;
    }
    native_free_parts(parts, np);
    *c_parts = np;
    if (ok) ok = run_cc(cc_path, dir, np, opt, err);
    if (ok) {
        char path[PATH_MAX + 16];
        snprintf(path, sizeof path, "%s/out.so", dir);
        ok = read_all(path, so, so_len, (size_t)1 << 30, err);
    }
    rm_tree(dir);
    return ok;
}

/* ------------------------------------------------------------ cache */

#define ART_MAGIC "KILNART1"
enum { ART_HEADER = 8 + 64 + 32 + 8 };

static bool sha256(const void *data, size_t len, uint8_t out[32]) {
    unsigned int n = 0;
    return EVP_Digest(data, len, out, &n, EVP_sha256(), NULL) && n == 32;
}

static void hex(const uint8_t *b, size_t n, char *out) {
    static const char d[] = "0123456789abcdef";
    for (size_t i = 0; i < n; i++) { out[2 * i] = d[b[i] >> 4]; out[2 * i + 1] = d[b[i] & 15]; }
    out[2 * n] = 0;
}

bool native_host_vex(void) {
#if defined(__x86_64__)
    return __builtin_cpu_supports("avx"); /* checks that the OS saves the AVX state too */
#else
    return false;
#endif
}

static bool artifact_key(const kiln_module *m, const native_options *opt, char key[65], kiln_error *err) {
    char ccid[PATH_MAX + 64];
    if (!native_compiler_id(opt->cc, ccid, sizeof ccid, err)) return false;
    EVP_MD_CTX *c = EVP_MD_CTX_new();
    if (!c) return fail_code(err, KILN_ERR_NO_MEMORY, "out of memory");
    char head[PATH_MAX + 512];
    int hl = snprintf(head, sizeof head, "kiln-native\n%s\nabi %016llx\ncc %s\nflags", KILN_VERSION,
                      (unsigned long long)native_abi(), ccid);
    for (size_t i = 0; i < sizeof cflags / sizeof cflags[0] && hl < (int)sizeof head - 64; i++)
        hl += snprintf(head + hl, sizeof head - (size_t)hl, " %s", cflags[i]);
    for (const char *const *f = isa_flags(opt); *f; f++) hl += snprintf(head + hl, sizeof head - (size_t)hl, " %s", *f);
    hl += snprintf(head + hl, sizeof head - (size_t)hl, "\nexplicit %d meter %d ssse3 %d vex %d parts %u\n",
                   engine_explicit_bounds(m->engine), !opt->no_meter, __builtin_cpu_supports("ssse3") ? 1 : 0,
                   native_host_vex() ? 1 : 0, (unsigned)NATIVE_PART_BYTES);
    uint8_t md[32];
    unsigned int n = 0;
    bool ok = EVP_DigestInit_ex(c, EVP_sha256(), NULL) && EVP_DigestUpdate(c, head, (size_t)hl) &&
              EVP_DigestUpdate(c, m->bytes, m->len) && EVP_DigestFinal_ex(c, md, &n) && n == 32;
    EVP_MD_CTX_free(c);
    if (!ok) return fail_code(err, KILN_ERR_UNSUPPORTED, "native: sha256 failed");
    hex(md, 32, key);
    return true;
}

/* A cache directory must be ours and writable by nobody else. */
static bool safe_dir(const char *dir, bool create, kiln_error *err) {
    struct stat st;
    if (lstat(dir, &st)) {
        if (errno != ENOENT || !create) return fail_code(err, KILN_ERR_IO, "native: cache %s: %s", dir, strerror(errno));
        char tmp[PATH_MAX];
        snprintf(tmp, sizeof tmp, "%s", dir);
        for (char *s = strchr(tmp + 1, '/'); s; s = strchr(s + 1, '/')) {
            *s = 0;
            mkdir(tmp, 0700);
            *s = '/';
        }
        if (mkdir(tmp, 0700) && errno != EEXIST) return fail_code(err, KILN_ERR_IO, "native: cannot make the cache %s: %s", dir, strerror(errno));
        if (lstat(dir, &st)) return fail_code(err, KILN_ERR_IO, "native: cache %s: %s", dir, strerror(errno));
    }
    if (!S_ISDIR(st.st_mode)) return fail_code(err, KILN_ERR_UNSUPPORTED, "native: cache %s is not a directory", dir);
    if (st.st_uid != geteuid()) return fail_code(err, KILN_ERR_UNSUPPORTED, "native: refusing the cache %s: it belongs to another user", dir);
    if (st.st_mode & (S_IWGRP | S_IWOTH))
        return fail_code(err, KILN_ERR_UNSUPPORTED, "native: refusing the cache %s: other users can write to it (chmod go-w)", dir);
    return true;
}

/* Reads and checks an artifact; false (with a reason) when it is absent or
 * not exactly what this key names. */
static bool cache_get(const char *dir, const char *key, uint8_t **so, size_t *so_len, kiln_error *why) {
    char path[PATH_MAX];
    snprintf(path, sizeof path, "%s/%s.kso", dir, key);
    struct stat st;
    if (lstat(path, &st)) return fail_code(why, KILN_ERR_NOT_FOUND, "absent");
    if (!S_ISREG(st.st_mode) || st.st_uid != geteuid() || (st.st_mode & (S_IWGRP | S_IWOTH)))
        return fail_code(why, KILN_ERR_UNSUPPORTED, "%s is not a private regular file of this user", path);
    uint8_t *buf;
    size_t len;
    if (!read_all(path, &buf, &len, (size_t)1 << 30, why)) return false;
    uint64_t plen = 0;
    uint8_t md[32];
    bool ok = len >= ART_HEADER && !memcmp(buf, ART_MAGIC, 8) && !memcmp(buf + 8, key, 64);
    if (ok) {
        memcpy(&plen, buf + 8 + 64 + 32, 8);
        ok = plen == len - ART_HEADER && sha256(buf + ART_HEADER, (size_t)plen, md) && !memcmp(md, buf + 8 + 64, 32);
    }
    if (!ok) { free(buf); return fail_code(why, KILN_ERR_IO, "%s is corrupt, truncated or not for this module", path); }
    memmove(buf, buf + ART_HEADER, (size_t)plen);
    *so = buf;
    *so_len = (size_t)plen;
    return true;
}

static bool cache_put(const char *dir, const char *key, const uint8_t *so, size_t len, kiln_error *err) {
    uint8_t head[ART_HEADER];
    memcpy(head, ART_MAGIC, 8);
    memcpy(head + 8, key, 64);
    if (!sha256(so, len, head + 8 + 64)) return fail_code(err, KILN_ERR_UNSUPPORTED, "native: sha256 failed");
    uint64_t l = len;
    memcpy(head + 8 + 64 + 32, &l, 8);
    char tmp[PATH_MAX], path[PATH_MAX];
    snprintf(tmp, sizeof tmp, "%s/.%s.XXXXXX", dir, key);
    snprintf(path, sizeof path, "%s/%s.kso", dir, key);
    int fd = mkostemp(tmp, O_CLOEXEC);
    if (fd < 0) return fail_code(err, KILN_ERR_IO, "native: cache %s: %s", dir, strerror(errno));
    bool ok = true;
    const uint8_t *parts[2] = {head, so};
    size_t lens[2] = {sizeof head, len};
    for (int k = 0; k < 2 && ok; k++)
        for (size_t off = 0; off < lens[k] && ok;) {
            ssize_t w = write(fd, parts[k] + off, lens[k] - off);
            if (w < 0 && errno == EINTR) continue;
            if (w <= 0) ok = false;
            else off += (size_t)w;
        }
    /* Whole or absent: the data reaches the disk before the name does. */
    if (ok) ok = fsync(fd) == 0;
    if (close(fd)) ok = false;
    if (ok) ok = rename(tmp, path) == 0;
    if (!ok) { unlink(tmp); return fail_code(err, KILN_ERR_IO, "native: cannot store the artifact in %s: %s", dir, strerror(errno)); }
    return true;
}

/* ------------------------------------------------------------ public API */

static void to_internal(const kiln_native_options *o, native_options *n) {
    memset(n, 0, sizeof *n);
    if (!o) return;
    n->cc = o->cc;
    n->no_meter = o->no_meter;
    n->baseline_isa = o->baseline_isa;
    n->timeout_ms = o->timeout_ms;
    n->memory_limit = o->memory_limit;
    n->cancel = o->cancel;
    n->jobs = o->jobs;
}

static double now_s(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

bool kiln_module_native_supported(const kiln_module *m, char *why, size_t n) {
    (void)m;
    (void)why;
    (void)n;
    return true; /* every validated module: exceptions and tail calls included */
}

bool kiln_module_compile_native(kiln_module *m, const kiln_native_options *o, kiln_native_info *info, kiln_error *err) {
    kiln_native_info dummy;
    if (!info) info = &dummy;
    memset(info, 0, sizeof *info);
    if (native_of(m)) return true;
    char why[160];
    if (!kiln_module_native_supported(m, why, sizeof why)) return fail_code(err, KILN_ERR_UNSUPPORTED, "native: %s", why);
    double t0 = now_s();
    native_options opt;
    to_internal(o, &opt);
    if (!artifact_key(m, &opt, info->key, err)) return false;
    const char *dir = o ? o->cache_dir : NULL;
    uint8_t *so = NULL;
    size_t len = 0;
    if (dir) {
        if (!safe_dir(dir, !(o && o->no_compile), err)) return false;
        kiln_error why = {0};
        if (cache_get(dir, info->key, &so, &len, &why)) {
            bool ok = native_load(m, so, len, info->key, err);
            info->so_bytes = len;
            free(so);
            if (ok) {
                info->from_cache = true;
                info->seconds = now_s() - t0;
                return true;
            }
            /* A valid file that will not load (built for another kiln that
             * hashed the same): rebuild it. */
        } else if (o && o->no_compile) {
            return fail_code(err, KILN_ERR_UNSUPPORTED, "native: no cached native code for this module (%s)", why.message);
        }
    } else if (o && o->no_compile) {
        return fail_code(err, KILN_ERR_UNSUPPORTED, "native: no cache directory to load native code from");
    }
    opt.key = info->key;
    if (!native_build(m, &opt, &so, &len, &info->c_bytes, &info->c_parts, err)) return false;
    info->so_bytes = len;
    kiln_error perr = {0};
    if (dir && !cache_put(dir, info->key, so, len, &perr)) {
        /* Running matters more than caching: go on, and say so. */
        error_set(err, perr.code, "%s", perr.message);
    }
    bool ok = native_load(m, so, len, info->key, err);
    free(so);
    info->seconds = now_s() - t0;
    return ok;
}

bool kiln_module_is_native(const kiln_module *m) { return native_of(m) != NULL; }

bool kiln_native_default_cache(char *buf, size_t n) {
    const char *x = getenv("XDG_CACHE_HOME");
    if (x && x[0] == '/') return (size_t)snprintf(buf, n, "%s/kiln", x) < n;
    const char *h = getenv("HOME");
    if (h && h[0] == '/') return (size_t)snprintf(buf, n, "%s/.cache/kiln", h) < n;
    return false;
}

bool kiln_module_native_source(const kiln_module *m, const kiln_native_options *o, FILE *out, kiln_error *err) {
    char why[160];
    if (!kiln_module_native_supported(m, why, sizeof why)) return fail_code(err, KILN_ERR_UNSUPPORTED, "native: %s", why);
    native_options opt;
    to_internal(o, &opt);
    kiln_error e2 = {0};
    return native_generate(m, &opt, native_abi(), out, err ? err : &e2);
}
