/* ctx.c — making and freeing a guest's WASI state (kiln_wasi), captured
 * output and usage counters. */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include "wasi/wasi_impl.h"

#define DEFAULT_OUTPUT_CAP ((size_t)16 << 20)

__attribute__((format(printf, 3, 0)))
static void fail(kiln_error *err, kiln_error_code code, const char *fmt, const char *a, const char *b) {
    kiln_error_set(err, code, fmt, a, b);
}

/* Copies n strings into one allocation-per-string array; *bytes receives
 * the size WASI reports (each string plus its NUL). */
/* One allocation: the pointers, then the strings packed after them (a
 * server request passes ~25 environment strings: a strdup and a free each
 * were a tenth of a hello-world request's instructions). Freed with one
 * free(*dst). */
static bool copy_strings(const char *const *src, size_t n, char ***dst, size_t *bytes) {
    *dst = NULL;
    *bytes = 0;
    if (n == 0) return true;
    size_t total = 0;
    for (size_t i = 0; i < n; i++) {
        size_t len = strlen(src[i] ? src[i] : "") + 1;
        if (len > SIZE_MAX - total) return false;
        total += len;
    }
    if (n > (SIZE_MAX - total) / sizeof(char *)) return false;
    char **a = malloc(n * sizeof *a + total);
    if (!a) return false;
    char *o = (char *)(a + n);
    for (size_t i = 0; i < n; i++) {
        const char *s = src[i] ? src[i] : "";
        size_t len = strlen(s) + 1;
        memcpy(o, s, len);
        a[i] = o;
        o += len;
    }
    *bytes = total;
    *dst = a;
    return true;
}

static bool setup_stdio(kiln_wasi *w, int i, const kiln_wasi_stdio *s, kiln_error *err) {
    wasi_fd e = {.kind = WASI_FD_HOST, .stream = (uint8_t)i, .host = -1};
    switch (s->kind) {
    case KILN_WASI_STDIO_INHERIT:
    case KILN_WASI_STDIO_HOST_FD: {
        e.host = s->kind == KILN_WASI_STDIO_INHERIT ? i : s->host_fd;
        struct stat st;
        if (fstat(e.host, &st) != 0) {
            char n[16];
            snprintf(n, sizeof n, "%d", e.host);
            fail(err, KILN_ERR_ARGUMENT, "wasi: stdio fd %s is not open: %s", n, strerror(errno));
            return false;
        }
        e.filetype = wasi_filetype_of_mode(st.st_mode);
        e.owned = false;
        break;
    }
    case KILN_WASI_STDIO_BUFFER:
        if (i == 0) {
            e.kind = WASI_FD_MEMIN;
            if (s->len) {
                if (!(w->stdin_data = malloc(s->len))) goto oom;
                memcpy(w->stdin_data, s->data, s->len);
                w->stdin_len = s->len;
            }
        } else {
            e.kind = WASI_FD_MEMOUT;
            w->out[i].max = s->max_bytes ? s->max_bytes : DEFAULT_OUTPUT_CAP;
        }
        /* A pipe is what a buffered stream resembles most. */
        e.filetype = WASI_FILETYPE_UNKNOWN;
        break;
    case KILN_WASI_STDIO_NULL:
        e.kind = WASI_FD_NULL;
        e.filetype = WASI_FILETYPE_CHARACTER_DEVICE;
        break;
    default:
        fail(err, KILN_ERR_ARGUMENT, "wasi: bad stdio kind for fd %s%s", i == 0 ? "0" : i == 1 ? "1" : "2", "");
        return false;
    }
    e.rights_base = wasi_rights_for_type(e.filetype);
    /* A character device that is not a terminal (/dev/null) can seek, and
     * must: wasi-libc's isatty() is "a character device without seek". */
    if (e.kind == WASI_FD_HOST && e.filetype == WASI_FILETYPE_CHARACTER_DEVICE && !isatty(e.host))
        e.rights_base = WASI_RIGHTS_REGULAR_FILE;
    e.rights_inheriting = 0;
    w->fds[i] = e;
    return true;
oom:
    fail(err, KILN_ERR_NO_MEMORY, "wasi: out of memory%s%s", "", "");
    return false;
}

kiln_wasi *kiln_wasi_new(const kiln_wasi_config *c, kiln_error *err) {
    static const kiln_wasi_config empty;
    if (!c) c = &empty;
    kiln_wasi *w = calloc(1, sizeof *w);
    if (!w) { fail(err, KILN_ERR_NO_MEMORY, "wasi: out of memory%s%s", "", ""); return NULL; }
    size_t n = 3 + c->npreopens + c->nsockets;
    if (!(w->fds = calloc(n, sizeof *w->fds))) goto oom;
    w->nfds = (uint32_t)n;
    for (size_t i = 0; i < n; i++) w->fds[i].host = -1;
    if (!copy_strings(c->argv, c->argc, &w->argv, &w->argv_bytes)) goto oom;
    w->argc = c->argc;
    if (!copy_strings(c->env, c->envc, &w->env, &w->env_bytes)) goto oom;
    w->envc = c->envc;
    for (int i = 0; i < 3; i++)
        if (!setup_stdio(w, i, &c->stdio[i], err)) goto fail;

    uint32_t fd = 3;
    for (size_t i = 0; i < c->npreopens; i++, fd++) {
        const kiln_wasi_preopen *p = &c->preopens[i];
        if (!p->host_path || !p->guest_path) {
            fail(err, KILN_ERR_ARGUMENT, "wasi: preopen %s has no %s", "", p->host_path ? "guest path" : "host path");
            goto fail;
        }
        int h = open(p->host_path, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
        if (h < 0) {
            fail(err, errno == ENOENT ? KILN_ERR_NOT_FOUND : KILN_ERR_IO, "wasi: cannot open directory '%s': %s", p->host_path, strerror(errno));
            goto fail;
        }
        wasi_fd *e = &w->fds[fd];
        *e = (wasi_fd){.kind = WASI_FD_HOST, .filetype = WASI_FILETYPE_DIRECTORY, .stream = 3,
                       .owned = true, .host = h, .rights_base = WASI_RIGHTS_DIRECTORY,
                       .rights_inheriting = WASI_RIGHTS_DIRECTORY | WASI_RIGHTS_REGULAR_FILE};
        if (!(e->preopen = strdup(p->guest_path))) goto oom;
    }
    for (size_t i = 0; i < c->nsockets; i++, fd++) {
        int h = fcntl(c->sockets[i], F_DUPFD_CLOEXEC, 3);
        if (h < 0) {
            char num[16];
            snprintf(num, sizeof num, "%d", c->sockets[i]);
            fail(err, KILN_ERR_ARGUMENT, "wasi: cannot use socket fd %s: %s", num, strerror(errno));
            goto fail;
        }
        struct stat st;
        uint8_t ft = fstat(h, &st) == 0 ? wasi_filetype_of_mode(st.st_mode) : WASI_FILETYPE_UNKNOWN;
        int type = 0;
        socklen_t tl = sizeof type;
        if (ft == WASI_FILETYPE_SOCKET_STREAM && getsockopt(h, SOL_SOCKET, SO_TYPE, &type, &tl) == 0 &&
            type == SOCK_DGRAM)
            ft = WASI_FILETYPE_SOCKET_DGRAM;
        w->fds[fd] = (wasi_fd){.kind = WASI_FD_HOST, .filetype = ft, .stream = 3, .owned = true,
                               .host = h, .rights_base = WASI_RIGHTS_SOCKET,
                               .rights_inheriting = WASI_RIGHTS_SOCKET};
    }
    return w;
oom:
    fail(err, KILN_ERR_NO_MEMORY, "wasi: out of memory%s%s", "", "");
fail:
    kiln_wasi_free(w);
    return NULL;
}

void kiln_wasi_free(kiln_wasi *w) {
    if (!w) return;
    for (uint32_t i = 0; i < w->nfds; i++) wasi_fd_release(&w->fds[i]);
    free(w->fds);
    free(w->argv); /* and its strings (copy_strings) */
    free(w->env);
    free(w->stdin_data);
    for (int i = 0; i < 3; i++) free(w->out[i].data);
    free(w);
}

const uint8_t *kiln_wasi_output(const kiln_wasi *w, int fd, size_t *len, bool *truncated) {
    if (len) *len = 0;
    if (truncated) *truncated = false;
    if (!w || (fd != 1 && fd != 2)) return NULL;
    const wasi_outbuf *b = &w->out[fd];
    if (!b->max) return NULL;
    if (len) *len = b->len;
    if (truncated) *truncated = b->truncated;
    return b->data ? b->data : (const uint8_t *)"";
}

bool kiln_wasi_out_of_memory(const kiln_wasi *w) { return w && w->host_nomem; }

void kiln_wasi_get_usage(const kiln_wasi *w, kiln_wasi_usage *out) {
    if (w) *out = w->usage;
    else memset(out, 0, sizeof *out);
}

static const char *const func_names[KILN_WASI_FUNC_COUNT] = {
    "args_get", "args_sizes_get", "environ_get", "environ_sizes_get",
    "clock_res_get", "clock_time_get", "fd_advise", "fd_allocate", "fd_close",
    "fd_datasync", "fd_fdstat_get", "fd_fdstat_set_flags", "fd_fdstat_set_rights",
    "fd_filestat_get", "fd_filestat_set_size", "fd_filestat_set_times", "fd_pread",
    "fd_prestat_get", "fd_prestat_dir_name", "fd_pwrite", "fd_read", "fd_readdir",
    "fd_renumber", "fd_seek", "fd_sync", "fd_tell", "fd_write",
    "path_create_directory", "path_filestat_get", "path_filestat_set_times",
    "path_link", "path_open", "path_readlink", "path_remove_directory",
    "path_rename", "path_symlink", "path_unlink_file", "poll_oneoff", "proc_exit",
    "proc_raise", "sched_yield", "random_get", "sock_accept", "sock_recv",
    "sock_send", "sock_shutdown",
};

const char *kiln_wasi_func_name(kiln_wasi_func f) {
    return (unsigned)f < KILN_WASI_FUNC_COUNT ? func_names[f] : NULL;
}
