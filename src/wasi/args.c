/* args.c — args_* and environ_*: the guest sees an array of pointers into
 * one buffer of NUL-terminated strings, both in its own memory. */
#include "wasi/wasi_impl.h"

static uint32_t sizes(uint8_t *mem, uint64_t memsize, size_t n, size_t bytes, uint32_t np, uint32_t sp) {
    if (!wasi_mem_ok(memsize, np, 4) || !wasi_mem_ok(memsize, sp, 4)) return WASI_EFAULT;
    wasi_st32(mem, np, (uint32_t)n);
    wasi_st32(mem, sp, (uint32_t)bytes);
    return 0;
}

static uint32_t strings(uint8_t *mem, uint64_t memsize, char **v, size_t n, size_t bytes,
                        uint32_t ptrs, uint32_t buf) {
    if (!wasi_mem_ok(memsize, ptrs, (uint64_t)n * 4) || !wasi_mem_ok(memsize, buf, bytes))
        return WASI_EFAULT;
    uint32_t at = buf;
    for (size_t i = 0; i < n; i++) {
        size_t l = strlen(v[i]) + 1;
        wasi_st32(mem, ptrs + (uint64_t)i * 4, at);
        memcpy(mem + at, v[i], l);
        at += (uint32_t)l;
    }
    return 0;
}

uint32_t wasi_args_sizes_get(WASI_MEM, uint32_t argc_ptr, uint32_t size_ptr) {
    return sizes(mem, memsize, w->argc, w->argv_bytes, argc_ptr, size_ptr);
}

uint32_t wasi_args_get(WASI_MEM, uint32_t argv, uint32_t buf) {
    return strings(mem, memsize, w->argv, w->argc, w->argv_bytes, argv, buf);
}

uint32_t wasi_environ_sizes_get(WASI_MEM, uint32_t count_ptr, uint32_t size_ptr) {
    return sizes(mem, memsize, w->envc, w->env_bytes, count_ptr, size_ptr);
}

uint32_t wasi_environ_get(WASI_MEM, uint32_t env, uint32_t buf) {
    return strings(mem, memsize, w->env, w->envc, w->env_bytes, env, buf);
}
