/*
 * bench/wasm2c-host.c — the host side of the wasm2c reference column in
 * bench/native.sh: wabt's wasm2c (Debian's wabt package) translates a
 * benchmark's .wasm to C, gcc -O2 compiles it with this file and wabt's
 * runtime, and the result is what the same design as kiln's native tier
 * (WebAssembly -> C -> gcc) reaches with wasm2c's own checks only (guard
 * pages, a call-depth counter) and none of kiln's other work: no metering,
 * no deadlines, no backtraces or trap positions, no profiler.
 *
 * Only the WASI preview1 calls that the benchmarks import (CoreMark and
 * bench/kernels: arguments, clocks, writes to stdout/stderr, exit), with
 * wasm2c's naming for a module built with `wasm2c -n bench`. Not a sandbox
 * and not part of kiln: a measuring tool for trusted benchmark modules.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "bench.h" /* wasm2c's header for the module, written beside this file */

enum { WASI_ESUCCESS = 0, WASI_EBADF = 8, WASI_EINVAL = 28, WASI_ESPIPE = 70 };

static Z_bench_instance_t inst;
static int host_argc;
static char **host_argv;

/* The linear memory at [at, at + n), or exit: a benchmark that passes a
 * bad pointer is broken, and its numbers would be meaningless. */
static u8 *mem(u32 at, u32 n) {
    wasm_rt_memory_t *m = Z_benchZ_memory(&inst);
    if ((u64)at + n > m->size) {
        fprintf(stderr, "wasm2c-host: the module passed a pointer outside its memory\n");
        exit(70);
    }
    return m->data + at;
}
static void put32(u32 at, u32 v) { memcpy(mem(at, 4), &v, 4); }
static u32 get32(u32 at) { u32 v; memcpy(&v, mem(at, 4), 4); return v; }

u32 Z_wasi_snapshot_preview1Z_args_sizes_get(struct Z_wasi_snapshot_preview1_instance_t *w, u32 pcount, u32 psize) {
    (void)w;
    u32 size = 0;
    for (int i = 0; i < host_argc; i++) size += (u32)strlen(host_argv[i]) + 1;
    put32(pcount, (u32)host_argc);
    put32(psize, size);
    return WASI_ESUCCESS;
}

u32 Z_wasi_snapshot_preview1Z_args_get(struct Z_wasi_snapshot_preview1_instance_t *w, u32 pv, u32 pbuf) {
    (void)w;
    for (int i = 0; i < host_argc; i++) {
        u32 len = (u32)strlen(host_argv[i]) + 1;
        put32(pv + 4u * (u32)i, pbuf);
        memcpy(mem(pbuf, len), host_argv[i], len);
        pbuf += len;
    }
    return WASI_ESUCCESS;
}

u32 Z_wasi_snapshot_preview1Z_clock_time_get(struct Z_wasi_snapshot_preview1_instance_t *w, u32 id, u64 precision,
                                             u32 out) {
    (void)w; (void)precision;
    static const clockid_t ids[] = {CLOCK_REALTIME, CLOCK_MONOTONIC, CLOCK_PROCESS_CPUTIME_ID, CLOCK_THREAD_CPUTIME_ID};
    struct timespec ts;
    if (id >= sizeof ids / sizeof ids[0] || clock_gettime(ids[id], &ts) != 0) return WASI_EINVAL;
    u64 ns = (u64)ts.tv_sec * 1000000000u + (u64)ts.tv_nsec;
    memcpy(mem(out, 8), &ns, 8);
    return WASI_ESUCCESS;
}

u32 Z_wasi_snapshot_preview1Z_fd_close(struct Z_wasi_snapshot_preview1_instance_t *w, u32 fd) {
    (void)w;
    return fd <= 2 ? WASI_ESUCCESS : WASI_EBADF;
}

/* stdout and stderr are character devices with every right, so that the
 * guest's libc buffers them as it would under a real WASI host. */
u32 Z_wasi_snapshot_preview1Z_fd_fdstat_get(struct Z_wasi_snapshot_preview1_instance_t *w, u32 fd, u32 out) {
    (void)w;
    if (fd > 2) return WASI_EBADF;
    u8 *p = mem(out, 24);
    memset(p, 0, 24);
    p[0] = 2; /* filetype: character device */
    memset(p + 8, 0xff, 16);
    return WASI_ESUCCESS;
}

u32 Z_wasi_snapshot_preview1Z_fd_seek(struct Z_wasi_snapshot_preview1_instance_t *w, u32 fd, u64 off, u32 whence,
                                      u32 out) {
    (void)w; (void)fd; (void)off; (void)whence; (void)out;
    return WASI_ESPIPE;
}

u32 Z_wasi_snapshot_preview1Z_fd_write(struct Z_wasi_snapshot_preview1_instance_t *w, u32 fd, u32 iovs, u32 n,
                                       u32 out) {
    (void)w;
    if (fd != 1 && fd != 2) return WASI_EBADF;
    u32 total = 0;
    for (u32 i = 0; i < n; i++) {
        u32 base = get32(iovs + 8 * i), len = get32(iovs + 8 * i + 4);
        const u8 *p = mem(base, len);
        for (u32 done = 0; done < len;) {
            ssize_t k = write((int)fd, p + done, len - done);
            if (k <= 0) return WASI_EBADF;
            done += (u32)k;
        }
        total += len;
    }
    put32(out, total);
    return WASI_ESUCCESS;
}

void Z_wasi_snapshot_preview1Z_proc_exit(struct Z_wasi_snapshot_preview1_instance_t *w, u32 code) {
    (void)w;
    exit((int)code);
}

int main(int argc, char **argv) {
    host_argc = argc;
    host_argv = argv;
    wasm_rt_init();
    Z_bench_init_module();
    Z_bench_instantiate(&inst, NULL);
    Z_benchZ__start(&inst);
    Z_bench_free(&inst);
    wasm_rt_free();
    return 0;
}
