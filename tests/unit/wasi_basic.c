/* wasi_basic.c — WASI preview1 without a filesystem: argv/environ layouts,
 * stdio through buffers, iovecs, clocks, random, poll_oneoff, descriptor
 * bookkeeping, usage counters and guest pointers out of range. */
#include <fcntl.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <time.h>

#include "tap.h"
#include "wasi_util.h"

static uint64_t mono(void) {
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (uint64_t)t.tv_sec * 1000000000u + (uint64_t)t.tv_nsec;
}

static kiln_wasi *make(const char *stdin_text, size_t out_cap) {
    static const char *argv[] = {"prog.wasm", "one", "", "three four"};
    static const char *env[] = {"A=1", "EMPTY=", "PATH=/x"};
    kiln_wasi_config c = {.argv = argv, .argc = 4, .env = env, .envc = 3};
    c.stdio[0] = (kiln_wasi_stdio){.kind = KILN_WASI_STDIO_BUFFER, .data = (const uint8_t *)stdin_text,
                                   .len = strlen(stdin_text)};
    c.stdio[1] = (kiln_wasi_stdio){.kind = KILN_WASI_STDIO_BUFFER, .max_bytes = out_cap};
    c.stdio[2] = (kiln_wasi_stdio){.kind = KILN_WASI_STDIO_BUFFER};
    kiln_error err;
    kiln_wasi *w = kiln_wasi_new(&c, &err);
    if (!w) { printf("Bail out! %s\n", err.message); exit(1); }
    return w;
}

static void test_args_env(void) {
    kiln_wasi *w = make("", 0);
    T(wasi_args_sizes_get(w, mem, MEMSIZE, 100, 104) == 0, "args_sizes_get succeeds");
    T(wasi_ld32(mem, 100) == 4, "argc is 4");
    /* "prog.wasm\0one\0\0three four\0" */
    T(wasi_ld32(mem, 104) == 10 + 4 + 1 + 11, "argv buffer size counts each NUL");
    T(wasi_args_get(w, mem, MEMSIZE, 200, 300) == 0, "args_get succeeds");
    T(wasi_ld32(mem, 200) == 300 && wasi_ld32(mem, 204) == 310 && wasi_ld32(mem, 208) == 314 &&
              wasi_ld32(mem, 212) == 315, "argv pointers point at consecutive strings in the buffer");
    T(!memcmp(mem + 300, "prog.wasm\0one\0\0three four\0", 26), "argv buffer holds the strings");
    T(wasi_environ_sizes_get(w, mem, MEMSIZE, 100, 104) == 0 && wasi_ld32(mem, 100) == 3 &&
              wasi_ld32(mem, 104) == 4 + 7 + 8, "environ_sizes_get: 3 variables, 19 bytes");
    T(wasi_environ_get(w, mem, MEMSIZE, 400, 500) == 0 && wasi_ld32(mem, 408) == 511 &&
              !memcmp(mem + 500, "A=1\0EMPTY=\0PATH=/x\0", 19), "environ_get layout");
    /* Out of range: the array or the buffer past the end of memory. */
    T(wasi_args_get(w, mem, MEMSIZE, MEMSIZE - 8, 300) == WASI_EFAULT, "args_get: argv array past the end -> FAULT");
    T(wasi_args_get(w, mem, MEMSIZE, 200, MEMSIZE - 10) == WASI_EFAULT, "args_get: buffer past the end -> FAULT");
    T(wasi_args_sizes_get(w, mem, MEMSIZE, 0xfffffffeu, 104) == WASI_EFAULT, "args_sizes_get: pointer near 4 GiB -> FAULT");
    T(wasi_environ_get(w, mem, 16, 0, 4) == WASI_EFAULT, "environ_get with a 16-byte memory -> FAULT");
    kiln_wasi_free(w);

    kiln_wasi_config none = {0};
    none.stdio[0].kind = none.stdio[1].kind = none.stdio[2].kind = KILN_WASI_STDIO_NULL;
    w = kiln_wasi_new(&none, NULL);
    T(w && wasi_args_sizes_get(w, mem, MEMSIZE, 100, 104) == 0 && wasi_ld32(mem, 100) == 0 &&
              wasi_ld32(mem, 104) == 0, "no argv: 0 and 0");
    T(w && wasi_args_get(w, mem, 0, 0, 0) == 0, "args_get with nothing to write touches nothing, even with no memory");
    kiln_wasi_free(w);
}

static void test_stdio(void) {
    kiln_wasi *w = make("hello, stdin", 10);
    /* Two iovecs gathered into one write. */
    uint32_t a = gstr("abc"), b = gstr("defg");
    uint32_t iovs = galloc(16);
    wasi_st32(mem, iovs, a); wasi_st32(mem, iovs + 4, 3);
    wasi_st32(mem, iovs + 8, b); wasi_st32(mem, iovs + 12, 4);
    T(wasi_fd_write(w, mem, MEMSIZE, 1, iovs, 2, RET) == 0 && wasi_ld32(mem, RET) == 7, "fd_write of two iovecs writes 7 bytes");
    size_t len;
    bool trunc;
    const uint8_t *out = kiln_wasi_output(w, 1, &len, &trunc);
    T(out && len == 7 && !memcmp(out, "abcdefg", 7) && !trunc, "stdout buffer holds \"abcdefg\"");
    /* The cap is 10: 3 more fit, then ENOSPC. */
    T(wasi_fd_write(w, mem, MEMSIZE, 1, iovs, 2, RET) == 0 && wasi_ld32(mem, RET) == 3, "a write at the cap is short (3 of 7)");
    T(wasi_fd_write(w, mem, MEMSIZE, 1, iovs, 2, RET) == WASI_ENOSPC, "a write to a full buffer -> NOSPC");
    out = kiln_wasi_output(w, 1, &len, &trunc);
    T(len == 10 && trunc && !memcmp(out, "abcdefgabc", 10), "stdout kept the first 10 bytes and says truncated");
    T(wasi_fd_write(w, mem, MEMSIZE, 2, iovs, 1, RET) == 0, "fd_write to stderr");
    out = kiln_wasi_output(w, 2, &len, NULL);
    T(len == 3 && !memcmp(out, "abc", 3), "stderr buffer separate from stdout");
    T(kiln_wasi_output(w, 0, &len, NULL) == NULL && len == 0, "fd 0 has no output");
    T(wasi_fd_write(w, mem, MEMSIZE, 1, iovs, 0, RET) == 0 && wasi_ld32(mem, RET) == 0, "zero iovecs write 0 bytes");

    /* stdin */
    uint32_t buf = galloc(64);
    uint32_t iov = giov(buf, 5);
    T(wasi_fd_read(w, mem, MEMSIZE, 0, iov, 1, RET) == 0 && wasi_ld32(mem, RET) == 5 &&
              !memcmp(mem + buf, "hello", 5), "fd_read of 5 bytes from stdin");
    iov = giov(buf, 64);
    T(wasi_fd_read(w, mem, MEMSIZE, 0, iov, 1, RET) == 0 && wasi_ld32(mem, RET) == 7 &&
              !memcmp(mem + buf, ", stdin", 7), "fd_read returns the rest");
    T(wasi_fd_read(w, mem, MEMSIZE, 0, iov, 1, RET) == 0 && wasi_ld32(mem, RET) == 0, "then end of file (0)");
    T(wasi_fd_read(w, mem, MEMSIZE, 1, iov, 1, RET) == WASI_EBADF, "reading stdout's buffer -> BADF");
    T(wasi_fd_seek(w, mem, MEMSIZE, 0, 0, WASI_WHENCE_SET, RET) == WASI_ESPIPE, "seeking stdin -> SPIPE");

    /* Bad pointers */
    T(wasi_fd_write(w, mem, MEMSIZE, 2, MEMSIZE - 4, 1, RET) == WASI_EFAULT, "iovec array past the end -> FAULT");
    uint32_t bad = giov(MEMSIZE - 2, 3);
    T(wasi_fd_write(w, mem, MEMSIZE, 2, bad, 1, RET) == WASI_EFAULT, "iovec buffer past the end -> FAULT");
    bad = giov(0xfffffff0u, 0x20);
    T(wasi_fd_read(w, mem, MEMSIZE, 0, bad, 1, RET) == WASI_EFAULT, "iovec wrapping past 4 GiB -> FAULT");
    T(wasi_fd_write(w, mem, MEMSIZE, 2, iovs, 1, MEMSIZE - 2) == WASI_EFAULT, "nwritten pointer past the end -> FAULT");
    out = kiln_wasi_output(w, 2, &len, NULL);
    T(len == 3, "failed writes wrote nothing");
    T(wasi_fd_write(w, mem, MEMSIZE, 9, iovs, 1, RET) == WASI_EBADF, "fd_write to an fd never opened -> BADF");

    kiln_wasi_usage u;
    kiln_wasi_get_usage(w, &u);
    T(u.stdin_bytes == 12, "usage: 12 bytes read from stdin (got %llu)", (unsigned long long)u.stdin_bytes);
    T(u.stdout_bytes == 10, "usage: stdout counts the 10 bytes kept, not those refused at the cap (got %llu)",
          (unsigned long long)u.stdout_bytes);
    T(u.stderr_bytes == 3, "usage: 3 bytes to stderr");
    kiln_wasi_free(w);
}

static void test_fdstat_and_table(void) {
    int pipefd[2];
    if (pipe(pipefd) != 0) { T(0, "pipe"); return; }
    kiln_wasi_config c = {0};
    c.stdio[0].kind = KILN_WASI_STDIO_NULL;
    c.stdio[1] = (kiln_wasi_stdio){.kind = KILN_WASI_STDIO_HOST_FD, .host_fd = pipefd[1]};
    c.stdio[2].kind = KILN_WASI_STDIO_BUFFER;
    kiln_wasi *w = kiln_wasi_new(&c, NULL);
    T(wasi_fd_fdstat_get(w, mem, MEMSIZE, 1, 64) == 0, "fdstat_get on a pipe");
    uint64_t rights = wasi_ld64(mem, 72);
    T(mem[64] == WASI_FILETYPE_UNKNOWN, "a pipe's filetype is unknown (WASI has no FIFO)");
    T((rights & WASI_RIGHT_FD_WRITE) && !(rights & WASI_RIGHT_FD_SEEK), "a pipe may be written, not seeked");
    uint32_t n;
    T(pwrite_str(w, 1, "via pipe", &n) == 0 && n == 8, "fd_write to a host pipe");
    char got[16] = {0};
    T(read(pipefd[0], got, sizeof got) == 8 && !strcmp(got, "via pipe"), "the host reads what the guest wrote");
    T(wasi_fd_fdstat_get(w, mem, MEMSIZE, 3, 64) == WASI_EBADF, "fdstat_get past the table -> BADF");
    T(wasi_fd_fdstat_get(w, mem, MEMSIZE, 1, MEMSIZE - 23) == WASI_EFAULT, "fdstat into the last 23 bytes -> FAULT");
    T(wasi_fd_prestat_get(w, mem, MEMSIZE, 1, 64) == WASI_EBADF, "stdout is not a preopen -> BADF");
    /* Dropping rights and then using them. */
    T(wasi_fd_fdstat_set_rights(w, mem, MEMSIZE, 1, rights & ~WASI_RIGHT_FD_WRITE, 0) == 0, "drop fd_write from stdout");
    T(pwrite_str(w, 1, "x", &n) == WASI_ENOTCAPABLE, "fd_write without the right -> NOTCAPABLE");
    T(wasi_fd_fdstat_set_rights(w, mem, MEMSIZE, 1, rights, 0) == WASI_ENOTCAPABLE, "rights cannot be regained");
    /* Renumber and close. */
    T(wasi_fd_renumber(w, mem, MEMSIZE, 2, 5) == WASI_EBADF, "renumber onto a closed fd -> BADF");
    T(wasi_fd_renumber(w, mem, MEMSIZE, 2, 1) == 0, "renumber stderr onto stdout");
    T(pwrite_str(w, 1, "moved", &n) == 0, "fd 1 is now the stderr buffer");
    size_t len;
    const uint8_t *o = kiln_wasi_output(w, 2, &len, NULL);
    T(len == 5 && !memcmp(o, "moved", 5), "bytes land in the stderr buffer");
    T(pwrite_str(w, 2, "x", &n) == WASI_EBADF, "fd 2 is closed after renumber");
    T(wasi_fd_close(w, mem, MEMSIZE, 1) == 0 && wasi_fd_close(w, mem, MEMSIZE, 1) == WASI_EBADF, "close, then close again -> BADF");
    /* The borrowed host pipe survives the guest's close of its fd. */
    T(fcntl(pipefd[1], F_GETFD) >= 0, "a borrowed host fd is not closed by kiln");
    kiln_wasi_free(w);
    T(fcntl(pipefd[1], F_GETFD) >= 0, "nor by kiln_wasi_free");
    close(pipefd[0]);
    close(pipefd[1]);
}

static void test_clocks_random(void) {
    kiln_wasi *w = make("", 0);
    uint64_t before = mono();
    T(wasi_clock_time_get(w, mem, MEMSIZE, WASI_CLOCK_MONOTONIC, 1, 64) == 0, "monotonic clock");
    uint64_t t = wasi_ld64(mem, 64);
    T(t >= before && t <= mono(), "monotonic time is the host's CLOCK_MONOTONIC");
    struct timespec rt;
    clock_gettime(CLOCK_REALTIME, &rt);
    T(wasi_clock_time_get(w, mem, MEMSIZE, WASI_CLOCK_REALTIME, 1, 64) == 0 &&
              wasi_ld64(mem, 64) / 1000000000u - (uint64_t)rt.tv_sec <= 1, "realtime clock agrees with the host's to a second");
    T(wasi_clock_time_get(w, mem, MEMSIZE, WASI_CLOCK_PROCESS_CPUTIME, 1, 64) == 0 && wasi_ld64(mem, 64) > 0,
          "process CPU-time clock");
    T(wasi_clock_time_get(w, mem, MEMSIZE, WASI_CLOCK_THREAD_CPUTIME, 1, 64) == 0 && wasi_ld64(mem, 64) > 0,
          "thread CPU-time clock");
    T(wasi_clock_time_get(w, mem, MEMSIZE, 4, 1, 64) == WASI_EINVAL, "clock id 4 -> INVAL");
    T(wasi_clock_res_get(w, mem, MEMSIZE, WASI_CLOCK_MONOTONIC, 64) == 0 && wasi_ld64(mem, 64) >= 1 &&
              wasi_ld64(mem, 64) <= 1000000u, "monotonic resolution between 1 ns and 1 ms");
    T(wasi_clock_time_get(w, mem, MEMSIZE, WASI_CLOCK_MONOTONIC, 1, MEMSIZE - 7) == WASI_EFAULT, "clock result past the end -> FAULT");

    uint32_t buf = galloc(256);
    memset(mem + buf, 0, 256);
    T(wasi_random_get(w, mem, MEMSIZE, buf, 256) == 0, "random_get 256 bytes");
    int zeros = 0;
    for (int i = 0; i < 256; i++) zeros += mem[buf + i] == 0;
    T(zeros < 16, "random bytes are not mostly zero (%d zeros)", zeros);
    T(wasi_random_get(w, mem, MEMSIZE, MEMSIZE - 10, 11) == WASI_EFAULT, "random_get past the end -> FAULT");
    T(wasi_random_get(w, mem, MEMSIZE, MEMSIZE, 0) == 0, "random_get of 0 bytes at the very end is fine");
    kiln_wasi_free(w);
}

static uint32_t clock_sub(uint32_t at, uint64_t userdata, uint32_t clock, uint64_t timeout, uint16_t flags) {
    memset(mem + at, 0, 48);
    wasi_st64(mem, at, userdata);
    mem[at + 8] = WASI_EVENTTYPE_CLOCK;
    wasi_st32(mem, at + 16, clock);
    wasi_st64(mem, at + 24, timeout);
    wasi_st16(mem, at + 40, flags);
    return at;
}

static void fd_sub(uint32_t at, uint64_t userdata, uint8_t type, uint32_t fd) {
    memset(mem + at, 0, 48);
    wasi_st64(mem, at, userdata);
    mem[at + 8] = type;
    wasi_st32(mem, at + 16, fd);
}

static void test_poll(void) {
    kiln_wasi *w = make("pending", 0);
    uint32_t in = galloc(48 * 4), out = galloc(32 * 4);
    clock_sub(in, 0x1234, WASI_CLOCK_MONOTONIC, 30 * 1000000u, 0);
    uint64_t t0 = mono();
    T(wasi_poll_oneoff(w, mem, MEMSIZE, in, out, 1, RET, 0) == 0, "poll_oneoff on one 30 ms clock");
    uint64_t dt = mono() - t0;
    T(dt >= 30 * 1000000u && dt < 500 * 1000000u, "it slept 30 ms (%.1f ms)", dt / 1e6);
    T(wasi_ld32(mem, RET) == 1 && wasi_ld64(mem, out) == 0x1234 && wasi_ld16(mem, out + 8) == 0 &&
              mem[out + 10] == WASI_EVENTTYPE_CLOCK, "one clock event with its userdata");

    /* Absolute realtime clock 20 ms ahead. */
    struct timespec rt;
    clock_gettime(CLOCK_REALTIME, &rt);
    uint64_t abs_t = (uint64_t)rt.tv_sec * 1000000000u + (uint64_t)rt.tv_nsec + 20 * 1000000u;
    clock_sub(in, 7, WASI_CLOCK_REALTIME, abs_t, WASI_SUBCLOCK_ABSTIME);
    t0 = mono();
    T(wasi_poll_oneoff(w, mem, MEMSIZE, in, out, 1, RET, 0) == 0 && wasi_ld32(mem, RET) == 1, "absolute realtime timeout");
    dt = mono() - t0;
    T(dt >= 15 * 1000000u && dt < 500 * 1000000u, "it slept about 20 ms (%.1f ms)", dt / 1e6);

    /* stdin (a buffer) is ready at once: the 10 s clock never fires. */
    clock_sub(in, 1, WASI_CLOCK_MONOTONIC, 10ull * 1000000000u, 0);
    fd_sub(in + 48, 2, WASI_EVENTTYPE_FD_READ, 0);
    t0 = mono();
    T(wasi_poll_oneoff(w, mem, MEMSIZE, in, out, 2, RET, 0) == 0 && wasi_ld32(mem, RET) == 1, "stdin ready beats a 10 s clock");
    T(mono() - t0 < 1000000000u, "without waiting for the clock");
    T(wasi_ld64(mem, out) == 2 && mem[out + 10] == WASI_EVENTTYPE_FD_READ && wasi_ld64(mem, out + 16) == 7,
          "fd_read event says 7 bytes available");
    fd_sub(in + 48, 3, WASI_EVENTTYPE_FD_WRITE, 42);
    T(wasi_poll_oneoff(w, mem, MEMSIZE, in, out, 2, RET, 0) == 0 && wasi_ld32(mem, RET) == 1 &&
              wasi_ld16(mem, out + 8) == WASI_EBADF, "a subscription on a bad fd yields an event with BADF");

    /* The store's deadline: a 10 s sleep with a deadline 50 ms away. */
    clock_sub(in, 1, WASI_CLOCK_MONOTONIC, 10ull * 1000000000u, 0);
    t0 = mono();
    uint32_t r = wasi_poll_oneoff(w, mem, MEMSIZE, in, out, 1, RET, t0 + 50 * 1000000u);
    dt = mono() - t0;
    T(r == WASI_DEADLINE_EXCEEDED, "a sleep past the deadline ends with the deadline");
    T(dt >= 50 * 1000000u && dt < 1000 * 1000000u, "after 50 ms, not 10 s (%.1f ms)", dt / 1e6);
    /* A sleep that ends before the deadline is an ordinary sleep. */
    clock_sub(in, 1, WASI_CLOCK_MONOTONIC, 5 * 1000000u, 0);
    T(wasi_poll_oneoff(w, mem, MEMSIZE, in, out, 1, RET, mono() + 1000000000u) == 0, "a 5 ms sleep under a 1 s deadline succeeds");

    T(wasi_poll_oneoff(w, mem, MEMSIZE, in, out, 0, RET, 0) == WASI_EINVAL, "no subscriptions -> INVAL");
    T(wasi_poll_oneoff(w, mem, MEMSIZE, MEMSIZE - 40, out, 1, RET, 0) == WASI_EFAULT, "subscriptions past the end -> FAULT");
    T(wasi_poll_oneoff(w, mem, MEMSIZE, in, MEMSIZE - 16, 1, RET, 0) == WASI_EFAULT, "events past the end -> FAULT");
    clock_sub(in, 1, 9, 0, 0);
    T(wasi_poll_oneoff(w, mem, MEMSIZE, in, out, 1, RET, 0) == 0 && wasi_ld16(mem, out + 8) == WASI_EINVAL,
          "an unknown clock gives an INVAL event");
    kiln_wasi_free(w);
}

static void test_misc(void) {
    kiln_wasi *w = make("", 0);
    T(wasi_sched_yield(w, mem, MEMSIZE) == 0, "sched_yield");
    T(wasi_proc_raise(w, mem, MEMSIZE, 6) == WASI_ENOTSUP, "proc_raise(SIGABRT) -> NOTSUP (no signals for guests)");
    T(wasi_sock_shutdown(w, mem, MEMSIZE, 1, WASI_SDFLAG_WR) == WASI_ENOTSOCK, "sock_shutdown on stdout -> NOTSOCK");
    T(wasi_sock_shutdown(w, mem, MEMSIZE, 77, WASI_SDFLAG_WR) == WASI_EBADF, "sock_shutdown on a bad fd -> BADF");
    T(!strcmp(kiln_wasi_func_name(KILN_WASI_FD_WRITE), "fd_write") &&
              !strcmp(kiln_wasi_func_name(KILN_WASI_SOCK_SHUTDOWN), "sock_shutdown") &&
              kiln_wasi_func_name(KILN_WASI_FUNC_COUNT) == NULL, "function names by id");
    kiln_wasi_free(w);

    kiln_error err;
    kiln_wasi_preopen bad = {"/nonexistent/kiln-dir", "/"};
    kiln_wasi_config c = {.preopens = &bad, .npreopens = 1};
    T(kiln_wasi_new(&c, &err) == NULL && strstr(err.message, "/nonexistent/kiln-dir"),
          "a missing preopen fails kiln_wasi_new naming the directory");
}

static void test_sockets(void) {
    int sv[2];
    if (socketpair(AF_UNIX, SOCK_STREAM, 0, sv) != 0) { T(0, "socketpair"); return; }
    kiln_wasi_config c = {.sockets = &sv[0], .nsockets = 1};
    c.stdio[0].kind = c.stdio[1].kind = c.stdio[2].kind = KILN_WASI_STDIO_NULL;
    kiln_wasi *w = kiln_wasi_new(&c, NULL);
    T(w != NULL, "a socket preopened at fd 3");
    uint32_t b = gstr("ping");
    T(wasi_sock_send(w, mem, MEMSIZE, 3, giov(b, 4), 1, 0, RET) == 0 && wasi_ld32(mem, RET) == 4, "sock_send 4 bytes");
    char got[8] = {0};
    T(read(sv[1], got, sizeof got) == 4 && !memcmp(got, "ping", 4), "the peer receives them");
    T(write(sv[1], "pong!", 5) == 5, "peer answers");
    uint32_t buf = galloc(16);
    T(wasi_sock_recv(w, mem, MEMSIZE, 3, giov(buf, 16), 1, WASI_RIFLAG_PEEK, RET, RET + 4) == 0 &&
              wasi_ld32(mem, RET) == 5, "sock_recv with PEEK sees 5 bytes");
    T(wasi_sock_recv(w, mem, MEMSIZE, 3, giov(buf, 16), 1, 0, RET, RET + 4) == 0 && wasi_ld32(mem, RET) == 5 &&
              !memcmp(mem + buf, "pong!", 5) && wasi_ld16(mem, RET + 4) == 0, "sock_recv reads them (peeked bytes stay)");
    T(wasi_sock_shutdown(w, mem, MEMSIZE, 3, WASI_SDFLAG_WR) == 0, "sock_shutdown WR");
    T(read(sv[1], got, sizeof got) == 0, "the peer sees end of stream");
    T(wasi_sock_shutdown(w, mem, MEMSIZE, 3, 4) == WASI_EINVAL, "sock_shutdown with bad flags -> INVAL");
    kiln_wasi_usage u;
    kiln_wasi_get_usage(w, &u);
    T(u.net_write_bytes == 4 && u.net_read_bytes == 10, "usage counts socket bytes (peek included)");
    kiln_wasi_free(w);
    close(sv[0]);
    close(sv[1]);
}

static void test_accept(void) {
    int l = socket(AF_UNIX, SOCK_STREAM, 0);
    struct sockaddr_un a = {.sun_family = AF_UNIX};
    snprintf(a.sun_path, sizeof a.sun_path, "/tmp/kiln-wasi-sock-%d", (int)getpid());
    unlink(a.sun_path);
    if (l < 0 || bind(l, (struct sockaddr *)&a, sizeof a) != 0 || listen(l, 4) != 0) { T(0, "listening socket"); return; }
    kiln_wasi_config c = {.sockets = &l, .nsockets = 1};
    c.stdio[0].kind = c.stdio[1].kind = c.stdio[2].kind = KILN_WASI_STDIO_NULL;
    kiln_wasi *w = kiln_wasi_new(&c, NULL);
    T(wasi_fd_fdstat_set_flags(w, mem, MEMSIZE, 3, WASI_FDFLAG_NONBLOCK) == 0, "make the listener non-blocking");
    T(wasi_sock_accept(w, mem, MEMSIZE, 3, 0, RET) == WASI_EAGAIN, "sock_accept with nobody waiting -> AGAIN");
    T(wasi_fd_fdstat_set_flags(w, mem, MEMSIZE, 3, 0) == 0, "and blocking again");
    int cl = socket(AF_UNIX, SOCK_STREAM, 0);
    T(connect(cl, (struct sockaddr *)&a, sizeof a) == 0, "a client connects");
    T(wasi_sock_accept(w, mem, MEMSIZE, 3, WASI_FDFLAG_NONBLOCK, RET) == 0 && wasi_ld32(mem, RET) == 4, "sock_accept gives fd 4");
    T(wasi_fd_fdstat_get(w, mem, MEMSIZE, 4, 64) == 0 && (wasi_ld16(mem, 66) & WASI_FDFLAG_NONBLOCK),
      "the accepted socket is non-blocking, as asked");
    T(wasi_fd_fdstat_get(w, mem, MEMSIZE, 4, 64) == 0 && mem[64] == WASI_FILETYPE_SOCKET_STREAM &&
          !(wasi_ld64(mem, 72) & WASI_RIGHT_SOCK_ACCEPT), "a stream socket, without the accept right");
    uint32_t n;
    T(pwrite_str(w, 4, "hello", &n) == 0 && n == 5, "fd_write on the accepted socket");
    char got[8] = {0};
    T(read(cl, got, sizeof got) == 5 && !strcmp(got, "hello"), "the client reads it");
    T(wasi_sock_accept(w, mem, MEMSIZE, 4, 0, RET) == WASI_ENOTCAPABLE, "sock_accept on a connection -> NOTCAPABLE");
    T(wasi_sock_accept(w, mem, MEMSIZE, 1, 0, RET) == WASI_ENOTSOCK, "sock_accept on stdout -> NOTSOCK");
    kiln_wasi_free(w);
    T(fcntl(l, F_GETFD) >= 0, "the embedder's listening socket stays open (kiln used a dup)");
    close(cl);
    close(l);
    unlink(a.sun_path);
}

int main(void) {
    test_args_env();
    test_stdio();
    test_fdstat_and_table();
    test_clocks_random();
    test_poll();
    test_misc();
    test_sockets();
    test_accept();
    TAP_DONE();
}
