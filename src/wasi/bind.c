/* bind.c — the binding layer: kiln host functions that unpack their slots,
 * find the store's WASI state and call the semantic functions. Nothing here
 * knows WASI's meaning; everything here knows kiln's calling convention. */
#include <stdio.h>

#include "wasi/wasi_impl.h"

/* Any unique address serves as the store-data key. */
static const char store_key = 'w';

bool kiln_wasi_attach(kiln_wasi *w, kiln_store *s, kiln_error *err) {
    if (!kiln_store_set_data(s, &store_key, w)) {
        kiln_error_set(err, KILN_ERR_NO_MEMORY, "wasi: out of memory attaching to a store");
        return false;
    }
    return true;
}

kiln_wasi *kiln_wasi_from_store(const kiln_store *s) {
    return kiln_store_get_data(s, &store_key);
}

typedef struct env {
    kiln_wasi *w;
    uint8_t *mem;
    uint64_t size;
    uint8_t none[8]; /* stands in for a module without memory: size 0 */
} env;

static kiln_trap *enter(kiln_caller *c, kiln_wasi_func f, env *e) {
    e->w = kiln_wasi_from_store(kiln_caller_store(c));
    if (!e->w)
        return kiln_trap_new(KILN_TRAP_HOST, "wasi_snapshot_preview1.%s called, but no WASI state is "
                             "attached to this store (kiln_wasi_attach)", kiln_wasi_func_name(f));
    e->w->usage.calls[f]++;
    e->mem = kiln_caller_memory(c, &e->size);
    if (!e->mem) { e->mem = e->none; e->size = 0; }
    return NULL;
}

#define A32(i) ((uint32_t)s[i])
#define A64(i) (s[i])
#define HOST(name, F, call)                                                        \
    static kiln_trap *h_##name(kiln_caller *c, void *unused, uint64_t *s) {        \
        (void)unused;                                                              \
        env e;                                                                     \
        kiln_trap *t = enter(c, F, &e);                                            \
        if (t) return t;                                                           \
        kiln_wasi *w = e.w;                                                        \
        uint8_t *m = e.mem;                                                        \
        uint64_t z = e.size;                                                       \
        s[0] = (uint64_t)(call);                                                   \
        if (s[0] == WASI_ENOMEM) w->host_nomem = true;                             \
        return NULL;                                                               \
    }

HOST(args_get, KILN_WASI_ARGS_GET, wasi_args_get(w, m, z, A32(0), A32(1)))
HOST(args_sizes_get, KILN_WASI_ARGS_SIZES_GET, wasi_args_sizes_get(w, m, z, A32(0), A32(1)))
HOST(environ_get, KILN_WASI_ENVIRON_GET, wasi_environ_get(w, m, z, A32(0), A32(1)))
HOST(environ_sizes_get, KILN_WASI_ENVIRON_SIZES_GET, wasi_environ_sizes_get(w, m, z, A32(0), A32(1)))
HOST(clock_res_get, KILN_WASI_CLOCK_RES_GET, wasi_clock_res_get(w, m, z, A32(0), A32(1)))
HOST(clock_time_get, KILN_WASI_CLOCK_TIME_GET, wasi_clock_time_get(w, m, z, A32(0), A64(1), A32(2)))
HOST(fd_advise, KILN_WASI_FD_ADVISE, wasi_fd_advise(w, m, z, A32(0), A64(1), A64(2), A32(3)))
HOST(fd_allocate, KILN_WASI_FD_ALLOCATE, wasi_fd_allocate(w, m, z, A32(0), A64(1), A64(2)))
HOST(fd_close, KILN_WASI_FD_CLOSE, wasi_fd_close(w, m, z, A32(0)))
HOST(fd_datasync, KILN_WASI_FD_DATASYNC, wasi_fd_datasync(w, m, z, A32(0)))
HOST(fd_fdstat_get, KILN_WASI_FD_FDSTAT_GET, wasi_fd_fdstat_get(w, m, z, A32(0), A32(1)))
HOST(fd_fdstat_set_flags, KILN_WASI_FD_FDSTAT_SET_FLAGS, wasi_fd_fdstat_set_flags(w, m, z, A32(0), A32(1)))
HOST(fd_fdstat_set_rights, KILN_WASI_FD_FDSTAT_SET_RIGHTS, wasi_fd_fdstat_set_rights(w, m, z, A32(0), A64(1), A64(2)))
HOST(fd_filestat_get, KILN_WASI_FD_FILESTAT_GET, wasi_fd_filestat_get(w, m, z, A32(0), A32(1)))
HOST(fd_filestat_set_size, KILN_WASI_FD_FILESTAT_SET_SIZE, wasi_fd_filestat_set_size(w, m, z, A32(0), A64(1)))
HOST(fd_filestat_set_times, KILN_WASI_FD_FILESTAT_SET_TIMES,
     wasi_fd_filestat_set_times(w, m, z, A32(0), A64(1), A64(2), A32(3)))
HOST(fd_pread, KILN_WASI_FD_PREAD, wasi_fd_pread(w, m, z, A32(0), A32(1), A32(2), A64(3), A32(4)))
HOST(fd_prestat_get, KILN_WASI_FD_PRESTAT_GET, wasi_fd_prestat_get(w, m, z, A32(0), A32(1)))
HOST(fd_prestat_dir_name, KILN_WASI_FD_PRESTAT_DIR_NAME, wasi_fd_prestat_dir_name(w, m, z, A32(0), A32(1), A32(2)))
HOST(fd_pwrite, KILN_WASI_FD_PWRITE, wasi_fd_pwrite(w, m, z, A32(0), A32(1), A32(2), A64(3), A32(4)))
HOST(fd_read, KILN_WASI_FD_READ, wasi_fd_read(w, m, z, A32(0), A32(1), A32(2), A32(3)))
HOST(fd_readdir, KILN_WASI_FD_READDIR, wasi_fd_readdir(w, m, z, A32(0), A32(1), A32(2), A64(3), A32(4)))
HOST(fd_renumber, KILN_WASI_FD_RENUMBER, wasi_fd_renumber(w, m, z, A32(0), A32(1)))
HOST(fd_seek, KILN_WASI_FD_SEEK, wasi_fd_seek(w, m, z, A32(0), A64(1), A32(2), A32(3)))
HOST(fd_sync, KILN_WASI_FD_SYNC, wasi_fd_sync(w, m, z, A32(0)))
HOST(fd_tell, KILN_WASI_FD_TELL, wasi_fd_tell(w, m, z, A32(0), A32(1)))
HOST(fd_write, KILN_WASI_FD_WRITE, wasi_fd_write(w, m, z, A32(0), A32(1), A32(2), A32(3)))
HOST(path_create_directory, KILN_WASI_PATH_CREATE_DIRECTORY,
     wasi_path_create_directory(w, m, z, A32(0), A32(1), A32(2)))
HOST(path_filestat_get, KILN_WASI_PATH_FILESTAT_GET,
     wasi_path_filestat_get(w, m, z, A32(0), A32(1), A32(2), A32(3), A32(4)))
HOST(path_filestat_set_times, KILN_WASI_PATH_FILESTAT_SET_TIMES,
     wasi_path_filestat_set_times(w, m, z, A32(0), A32(1), A32(2), A32(3), A64(4), A64(5), A32(6)))
HOST(path_link, KILN_WASI_PATH_LINK,
     wasi_path_link(w, m, z, A32(0), A32(1), A32(2), A32(3), A32(4), A32(5), A32(6)))
HOST(path_open, KILN_WASI_PATH_OPEN,
     wasi_path_open(w, m, z, A32(0), A32(1), A32(2), A32(3), A32(4), A64(5), A64(6), A32(7), A32(8)))
HOST(path_readlink, KILN_WASI_PATH_READLINK,
     wasi_path_readlink(w, m, z, A32(0), A32(1), A32(2), A32(3), A32(4), A32(5)))
HOST(path_remove_directory, KILN_WASI_PATH_REMOVE_DIRECTORY,
     wasi_path_remove_directory(w, m, z, A32(0), A32(1), A32(2)))
HOST(path_rename, KILN_WASI_PATH_RENAME,
     wasi_path_rename(w, m, z, A32(0), A32(1), A32(2), A32(3), A32(4), A32(5)))
HOST(path_symlink, KILN_WASI_PATH_SYMLINK, wasi_path_symlink(w, m, z, A32(0), A32(1), A32(2), A32(3), A32(4)))
HOST(path_unlink_file, KILN_WASI_PATH_UNLINK_FILE, wasi_path_unlink_file(w, m, z, A32(0), A32(1), A32(2)))
HOST(proc_raise, KILN_WASI_PROC_RAISE, wasi_proc_raise(w, m, z, A32(0)))
HOST(sched_yield, KILN_WASI_SCHED_YIELD, wasi_sched_yield(w, m, z))
HOST(random_get, KILN_WASI_RANDOM_GET, wasi_random_get(w, m, z, A32(0), A32(1)))
HOST(sock_accept, KILN_WASI_SOCK_ACCEPT, wasi_sock_accept(w, m, z, A32(0), A32(1), A32(2)))
HOST(sock_recv, KILN_WASI_SOCK_RECV, wasi_sock_recv(w, m, z, A32(0), A32(1), A32(2), A32(3), A32(4), A32(5)))
HOST(sock_send, KILN_WASI_SOCK_SEND, wasi_sock_send(w, m, z, A32(0), A32(1), A32(2), A32(3), A32(4)))
HOST(sock_shutdown, KILN_WASI_SOCK_SHUTDOWN, wasi_sock_shutdown(w, m, z, A32(0), A32(1)))

static kiln_trap *h_poll_oneoff(kiln_caller *c, void *unused, uint64_t *s) {
    (void)unused;
    env e;
    kiln_trap *t = enter(c, KILN_WASI_POLL_ONEOFF, &e);
    if (t) return t;
    kiln_store *st = kiln_caller_store(c);
    uint64_t deadline = kiln_store_deadline_ns(st);
    /* What the host allocates per subscription counts against the guest's
     * memory budget (12M subscriptions would be 1.5 GB otherwise). */
    uint64_t held = (uint64_t)A32(2) * wasi_poll_host_bytes();
    if (!kiln_store_hold(st, held)) { s[0] = WASI_ENOMEM; return NULL; }
    uint32_t r = wasi_poll_oneoff(e.w, e.mem, e.size, A32(0), A32(1), A32(2), A32(3), deadline);
    kiln_store_release(st, held);
    if (r == WASI_DEADLINE_EXCEEDED)
        return kiln_trap_new(KILN_TRAP_TIMEOUT, "poll_oneoff was still waiting when the deadline passed");
    if (r == WASI_ENOMEM) e.w->host_nomem = true; /* the host's tables; the budget's refusal is above */
    s[0] = r;
    return NULL;
}

static kiln_trap *h_proc_exit(kiln_caller *c, void *unused, uint64_t *s) {
    (void)unused;
    env e;
    kiln_trap *t = enter(c, KILN_WASI_PROC_EXIT, &e);
    if (t) return t;
    return kiln_trap_exit((int)A32(0));
}

/* Signatures: one letter per parameter, i = i32, I = i64; every function
 * but proc_exit returns an errno (i32). */
static const struct {
    kiln_wasi_func id;
    const char *params;
    kiln_host_fn fn;
} funcs[] = {
    {KILN_WASI_ARGS_GET, "ii", h_args_get},
    {KILN_WASI_ARGS_SIZES_GET, "ii", h_args_sizes_get},
    {KILN_WASI_ENVIRON_GET, "ii", h_environ_get},
    {KILN_WASI_ENVIRON_SIZES_GET, "ii", h_environ_sizes_get},
    {KILN_WASI_CLOCK_RES_GET, "ii", h_clock_res_get},
    {KILN_WASI_CLOCK_TIME_GET, "iIi", h_clock_time_get},
    {KILN_WASI_FD_ADVISE, "iIIi", h_fd_advise},
    {KILN_WASI_FD_ALLOCATE, "iII", h_fd_allocate},
    {KILN_WASI_FD_CLOSE, "i", h_fd_close},
    {KILN_WASI_FD_DATASYNC, "i", h_fd_datasync},
    {KILN_WASI_FD_FDSTAT_GET, "ii", h_fd_fdstat_get},
    {KILN_WASI_FD_FDSTAT_SET_FLAGS, "ii", h_fd_fdstat_set_flags},
    {KILN_WASI_FD_FDSTAT_SET_RIGHTS, "iII", h_fd_fdstat_set_rights},
    {KILN_WASI_FD_FILESTAT_GET, "ii", h_fd_filestat_get},
    {KILN_WASI_FD_FILESTAT_SET_SIZE, "iI", h_fd_filestat_set_size},
    {KILN_WASI_FD_FILESTAT_SET_TIMES, "iIIi", h_fd_filestat_set_times},
    {KILN_WASI_FD_PREAD, "iiiIi", h_fd_pread},
    {KILN_WASI_FD_PRESTAT_GET, "ii", h_fd_prestat_get},
    {KILN_WASI_FD_PRESTAT_DIR_NAME, "iii", h_fd_prestat_dir_name},
    {KILN_WASI_FD_PWRITE, "iiiIi", h_fd_pwrite},
    {KILN_WASI_FD_READ, "iiii", h_fd_read},
    {KILN_WASI_FD_READDIR, "iiiIi", h_fd_readdir},
    {KILN_WASI_FD_RENUMBER, "ii", h_fd_renumber},
    {KILN_WASI_FD_SEEK, "iIii", h_fd_seek},
    {KILN_WASI_FD_SYNC, "i", h_fd_sync},
    {KILN_WASI_FD_TELL, "ii", h_fd_tell},
    {KILN_WASI_FD_WRITE, "iiii", h_fd_write},
    {KILN_WASI_PATH_CREATE_DIRECTORY, "iii", h_path_create_directory},
    {KILN_WASI_PATH_FILESTAT_GET, "iiiii", h_path_filestat_get},
    {KILN_WASI_PATH_FILESTAT_SET_TIMES, "iiiiIIi", h_path_filestat_set_times},
    {KILN_WASI_PATH_LINK, "iiiiiii", h_path_link},
    {KILN_WASI_PATH_OPEN, "iiiiiIIii", h_path_open},
    {KILN_WASI_PATH_READLINK, "iiiiii", h_path_readlink},
    {KILN_WASI_PATH_REMOVE_DIRECTORY, "iii", h_path_remove_directory},
    {KILN_WASI_PATH_RENAME, "iiiiii", h_path_rename},
    {KILN_WASI_PATH_SYMLINK, "iiiii", h_path_symlink},
    {KILN_WASI_PATH_UNLINK_FILE, "iii", h_path_unlink_file},
    {KILN_WASI_POLL_ONEOFF, "iiii", h_poll_oneoff},
    {KILN_WASI_PROC_EXIT, "i", h_proc_exit},
    {KILN_WASI_PROC_RAISE, "i", h_proc_raise},
    {KILN_WASI_SCHED_YIELD, "", h_sched_yield},
    {KILN_WASI_RANDOM_GET, "ii", h_random_get},
    {KILN_WASI_SOCK_ACCEPT, "iii", h_sock_accept},
    {KILN_WASI_SOCK_RECV, "iiiiii", h_sock_recv},
    {KILN_WASI_SOCK_SEND, "iiiii", h_sock_send},
    {KILN_WASI_SOCK_SHUTDOWN, "ii", h_sock_shutdown},
};

bool kiln_wasi_define(kiln_linker *l, kiln_error *err) {
    _Static_assert(sizeof funcs / sizeof funcs[0] == KILN_WASI_FUNC_COUNT, "every function defined");
    static const kiln_valtype i32[1] = {KILN_I32};
    for (size_t i = 0; i < sizeof funcs / sizeof funcs[0]; i++) {
        kiln_valtype params[16];
        uint32_t np = 0;
        for (const char *p = funcs[i].params; *p; p++) params[np++] = *p == 'I' ? KILN_I64 : KILN_I32;
        kiln_functype t = {.params = params, .nparams = np, .results = i32,
                           .nresults = funcs[i].id == KILN_WASI_PROC_EXIT ? 0 : 1};
        if (!kiln_linker_define_host(l, "wasi_snapshot_preview1", kiln_wasi_func_name(funcs[i].id), &t,
                                     funcs[i].fn, NULL, err))
            return false;
    }
    return true;
}
