/*
 * kiln_wasi.h — WASI preview1 (wasi_snapshot_preview1) for embedders of kiln.
 *
 * A host library on top of kiln.h. One linker serves any number of stores:
 *
 *   kiln_wasi_define(linker, &err);              once, at start-up
 *   ...per run or per request:
 *   kiln_wasi *w = kiln_wasi_new(&config, &err); the guest's world: argv,
 *                                                environ, preopens, stdio
 *   kiln_store *s = kiln_store_new(engine, &limits, NULL);
 *   kiln_wasi_attach(w, s);                      the host functions find
 *                                                their state through the store
 *   kiln_instantiate(s, linker, module, ...); kiln_call(... "_start" ...);
 *   kiln_wasi_output(w, 1, &len, &truncated);    captured stdout, if buffered
 *   kiln_store_free(s); kiln_wasi_free(w);
 *
 * The guest reaches only what was preopened: paths are resolved beneath a
 * preopened directory and never escape it (not by "..", absolute paths,
 * symlinks or symlink loops). Blocking calls (poll_oneoff) wait no longer than
 * the store's deadline and then trap with KILN_TRAP_TIMEOUT.
 */
#ifndef KILN_WASI_H
#define KILN_WASI_H

#include "kiln.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef struct kiln_wasi kiln_wasi;

typedef enum kiln_wasi_stdio_kind {
    KILN_WASI_STDIO_INHERIT = 0, /* the host's own fd 0, 1 or 2 */
    KILN_WASI_STDIO_HOST_FD,     /* a host fd given by the embedder (borrowed:
                                    never closed by kiln) */
    KILN_WASI_STDIO_BUFFER,      /* stdin: the given bytes; stdout/stderr: a
                                    growable buffer capped at max_bytes */
    KILN_WASI_STDIO_NULL,        /* reads see end of file, writes vanish */
} kiln_wasi_stdio_kind;

typedef struct kiln_wasi_stdio {
    kiln_wasi_stdio_kind kind;
    int host_fd;          /* HOST_FD */
    const uint8_t *data;  /* stdin BUFFER: copied by kiln_wasi_new */
    size_t len;
    size_t max_bytes;     /* stdout/stderr BUFFER: 0 = 16 MiB. A write that
                             finds the buffer full fails with ENOSPC; bytes
                             that fit are kept and the output is marked
                             truncated. */
} kiln_wasi_stdio;

typedef struct kiln_wasi_preopen {
    const char *host_path;  /* a directory on the host */
    const char *guest_path; /* the name the guest sees, e.g. "/" or "/data" */
} kiln_wasi_preopen;

typedef struct kiln_wasi_config {
    const char *const *argv; /* argv[0] is the program name the guest sees */
    size_t argc;
    const char *const *env;  /* "NAME=VALUE" strings; nothing is inherited */
    size_t envc;
    const kiln_wasi_preopen *preopens; /* guest fds 3, 4, ... in this order */
    size_t npreopens;
    const int *sockets;      /* host sockets (e.g. listening) the guest may
                                sock_accept on; they follow the preopened
                                directories. Each is dup'ed: the caller keeps
                                its own. */
    size_t nsockets;
    kiln_wasi_stdio stdio[3]; /* stdin, stdout, stderr; zeroed = inherit */
} kiln_wasi_config;

/* Makes the per-store state of one guest. Opens the preopened directories
 * now, so a missing or unreadable one is reported here. */
kiln_wasi *kiln_wasi_new(const kiln_wasi_config *config, kiln_error *err);
void kiln_wasi_free(kiln_wasi *w);

/* Defines every wasi_snapshot_preview1 function in `l`. The functions carry
 * no state of their own; they find it through kiln_wasi_attach. */
bool kiln_wasi_define(kiln_linker *l, kiln_error *err);
/* Makes `w` the WASI state of the guests running in `s`. `w` must outlive
 * the store's use. Returns false when out of memory. */
bool kiln_wasi_attach(kiln_wasi *w, kiln_store *s, kiln_error *err);
/* The state attached to `s`, or NULL. */
kiln_wasi *kiln_wasi_from_store(const kiln_store *s);

/* What a buffered stdout (fd 1) or stderr (fd 2) captured; NULL with
 * *len 0 for a stream that is not buffered. *truncated (may be NULL) tells
 * whether writes hit max_bytes. The pointer is valid until the next write
 * or kiln_wasi_free. */
const uint8_t *kiln_wasi_output(const kiln_wasi *w, int fd, size_t *len,
                                bool *truncated);
/* Whether a WASI call of the guest failed with ENOMEM because the host ran
 * out of memory (a buffer for its output, an iovec array, a directory
 * listing): what the guest did after it (an output without its write, an
 * abort) is then the host's failure, not the guest's. ENOMEM for the
 * guest's own memory budget (poll_oneoff's subscriptions) does not count. */
bool kiln_wasi_out_of_memory(const kiln_wasi *w);

/* ---------------------------------------------------------------- usage */

/* The functions of preview1, in the order of kiln_wasi_usage.calls. */
typedef enum kiln_wasi_func {
    KILN_WASI_ARGS_GET, KILN_WASI_ARGS_SIZES_GET,
    KILN_WASI_ENVIRON_GET, KILN_WASI_ENVIRON_SIZES_GET,
    KILN_WASI_CLOCK_RES_GET, KILN_WASI_CLOCK_TIME_GET,
    KILN_WASI_FD_ADVISE, KILN_WASI_FD_ALLOCATE, KILN_WASI_FD_CLOSE,
    KILN_WASI_FD_DATASYNC, KILN_WASI_FD_FDSTAT_GET,
    KILN_WASI_FD_FDSTAT_SET_FLAGS, KILN_WASI_FD_FDSTAT_SET_RIGHTS,
    KILN_WASI_FD_FILESTAT_GET, KILN_WASI_FD_FILESTAT_SET_SIZE,
    KILN_WASI_FD_FILESTAT_SET_TIMES, KILN_WASI_FD_PREAD,
    KILN_WASI_FD_PRESTAT_GET, KILN_WASI_FD_PRESTAT_DIR_NAME,
    KILN_WASI_FD_PWRITE, KILN_WASI_FD_READ, KILN_WASI_FD_READDIR,
    KILN_WASI_FD_RENUMBER, KILN_WASI_FD_SEEK, KILN_WASI_FD_SYNC,
    KILN_WASI_FD_TELL, KILN_WASI_FD_WRITE,
    KILN_WASI_PATH_CREATE_DIRECTORY, KILN_WASI_PATH_FILESTAT_GET,
    KILN_WASI_PATH_FILESTAT_SET_TIMES, KILN_WASI_PATH_LINK,
    KILN_WASI_PATH_OPEN, KILN_WASI_PATH_READLINK,
    KILN_WASI_PATH_REMOVE_DIRECTORY, KILN_WASI_PATH_RENAME,
    KILN_WASI_PATH_SYMLINK, KILN_WASI_PATH_UNLINK_FILE,
    KILN_WASI_POLL_ONEOFF, KILN_WASI_PROC_EXIT, KILN_WASI_PROC_RAISE,
    KILN_WASI_SCHED_YIELD, KILN_WASI_RANDOM_GET,
    KILN_WASI_SOCK_ACCEPT, KILN_WASI_SOCK_RECV, KILN_WASI_SOCK_SEND,
    KILN_WASI_SOCK_SHUTDOWN,
    KILN_WASI_FUNC_COUNT
} kiln_wasi_func;

/* The import name of a function ("fd_write"), or NULL out of range. */
const char *kiln_wasi_func_name(kiln_wasi_func f);

typedef struct kiln_wasi_usage {
    uint64_t stdin_bytes;   /* read from fd 0 */
    uint64_t stdout_bytes;  /* written to fd 1 (bytes refused at a buffer's
                               cap are not counted) */
    uint64_t stderr_bytes;  /* written to fd 2 */
    uint64_t file_read_bytes, file_write_bytes; /* files opened by path */
    uint64_t net_read_bytes, net_write_bytes;   /* sockets */
    uint64_t calls[KILN_WASI_FUNC_COUNT];       /* by kiln_wasi_func */
} kiln_wasi_usage;

void kiln_wasi_get_usage(const kiln_wasi *w, kiln_wasi_usage *out);

#ifdef __cplusplus
}
#endif
#endif /* KILN_WASI_H */
