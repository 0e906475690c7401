/*
 * wasi_impl.h — internals of kiln's WASI preview1: the ABI constants and
 * layouts, the per-guest state, and the semantic layer.
 *
 * Every WASI function is implemented twice over, on purpose:
 *   - a semantic function wasi_NAME(w, mem, memsize, args...) that returns a
 *     WASI errno and touches guest memory only through the checked helpers
 *     below (mem is any byte buffer: unit tests pass a plain array), and
 *   - a binding in bind.c that unpacks kiln host-function slots and calls it.
 * Guest pointers are untrusted: every access is checked against memsize and
 * an out-of-range pointer yields WASI_EFAULT, never a host access.
 */
#ifndef KILN_WASI_IMPL_H
#define KILN_WASI_IMPL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "kiln_wasi.h"

/* ---------------------------------------------------------------- errno */
enum {
    WASI_ESUCCESS = 0, WASI_E2BIG = 1, WASI_EACCES = 2, WASI_EADDRINUSE = 3,
    WASI_EADDRNOTAVAIL = 4, WASI_EAFNOSUPPORT = 5, WASI_EAGAIN = 6,
    WASI_EALREADY = 7, WASI_EBADF = 8, WASI_EBADMSG = 9, WASI_EBUSY = 10,
    WASI_ECANCELED = 11, WASI_ECHILD = 12, WASI_ECONNABORTED = 13,
    WASI_ECONNREFUSED = 14, WASI_ECONNRESET = 15, WASI_EDEADLK = 16,
    WASI_EDESTADDRREQ = 17, WASI_EDOM = 18, WASI_EDQUOT = 19, WASI_EEXIST = 20,
    WASI_EFAULT = 21, WASI_EFBIG = 22, WASI_EHOSTUNREACH = 23, WASI_EIDRM = 24,
    WASI_EILSEQ = 25, WASI_EINPROGRESS = 26, WASI_EINTR = 27, WASI_EINVAL = 28,
    WASI_EIO = 29, WASI_EISCONN = 30, WASI_EISDIR = 31, WASI_ELOOP = 32,
    WASI_EMFILE = 33, WASI_EMLINK = 34, WASI_EMSGSIZE = 35, WASI_EMULTIHOP = 36,
    WASI_ENAMETOOLONG = 37, WASI_ENETDOWN = 38, WASI_ENETRESET = 39,
    WASI_ENETUNREACH = 40, WASI_ENFILE = 41, WASI_ENOBUFS = 42,
    WASI_ENODEV = 43, WASI_ENOENT = 44, WASI_ENOEXEC = 45, WASI_ENOLCK = 46,
    WASI_ENOLINK = 47, WASI_ENOMEM = 48, WASI_ENOMSG = 49,
    WASI_ENOPROTOOPT = 50, WASI_ENOSPC = 51, WASI_ENOSYS = 52,
    WASI_ENOTCONN = 53, WASI_ENOTDIR = 54, WASI_ENOTEMPTY = 55,
    WASI_ENOTRECOVERABLE = 56, WASI_ENOTSOCK = 57, WASI_ENOTSUP = 58,
    WASI_ENOTTY = 59, WASI_ENXIO = 60, WASI_EOVERFLOW = 61,
    WASI_EOWNERDEAD = 62, WASI_EPERM = 63, WASI_EPIPE = 64, WASI_EPROTO = 65,
    WASI_EPROTONOSUPPORT = 66, WASI_EPROTOTYPE = 67, WASI_ERANGE = 68,
    WASI_EROFS = 69, WASI_ESPIPE = 70, WASI_ESRCH = 71, WASI_ESTALE = 72,
    WASI_ETIMEDOUT = 73, WASI_ETXTBSY = 74, WASI_EXDEV = 75,
    WASI_ENOTCAPABLE = 76,
};
/* Not an errno: poll_oneoff's way of saying "the store's deadline passed";
 * the binding turns it into a KILN_TRAP_TIMEOUT trap. */
#define WASI_DEADLINE_EXCEEDED 0x10000u

/* ---------------------------------------------------------------- rights */
#define R(n) ((uint64_t)1 << (n))
#define WASI_RIGHT_FD_DATASYNC R(0)
#define WASI_RIGHT_FD_READ R(1)
#define WASI_RIGHT_FD_SEEK R(2)
#define WASI_RIGHT_FD_FDSTAT_SET_FLAGS R(3)
#define WASI_RIGHT_FD_SYNC R(4)
#define WASI_RIGHT_FD_TELL R(5)
#define WASI_RIGHT_FD_WRITE R(6)
#define WASI_RIGHT_FD_ADVISE R(7)
#define WASI_RIGHT_FD_ALLOCATE R(8)
#define WASI_RIGHT_PATH_CREATE_DIRECTORY R(9)
#define WASI_RIGHT_PATH_CREATE_FILE R(10)
#define WASI_RIGHT_PATH_LINK_SOURCE R(11)
#define WASI_RIGHT_PATH_LINK_TARGET R(12)
#define WASI_RIGHT_PATH_OPEN R(13)
#define WASI_RIGHT_FD_READDIR R(14)
#define WASI_RIGHT_PATH_READLINK R(15)
#define WASI_RIGHT_PATH_RENAME_SOURCE R(16)
#define WASI_RIGHT_PATH_RENAME_TARGET R(17)
#define WASI_RIGHT_PATH_FILESTAT_GET R(18)
#define WASI_RIGHT_PATH_FILESTAT_SET_SIZE R(19)
#define WASI_RIGHT_PATH_FILESTAT_SET_TIMES R(20)
#define WASI_RIGHT_FD_FILESTAT_GET R(21)
#define WASI_RIGHT_FD_FILESTAT_SET_SIZE R(22)
#define WASI_RIGHT_FD_FILESTAT_SET_TIMES R(23)
#define WASI_RIGHT_PATH_SYMLINK R(24)
#define WASI_RIGHT_PATH_REMOVE_DIRECTORY R(25)
#define WASI_RIGHT_PATH_UNLINK_FILE R(26)
#define WASI_RIGHT_POLL_FD_READWRITE R(27)
#define WASI_RIGHT_SOCK_SHUTDOWN R(28)
#define WASI_RIGHT_SOCK_ACCEPT R(29)
#define WASI_RIGHTS_ALL (R(30) - 1)

/* What applies to each kind of descriptor. A descriptor never holds a right
 * that cannot apply to its type (fdstat shows it, and the testsuite checks
 * that a directory lacks fd_filestat_set_size). */
#define WASI_RIGHTS_REGULAR_FILE                                              \
    (WASI_RIGHT_FD_DATASYNC | WASI_RIGHT_FD_READ | WASI_RIGHT_FD_SEEK |        \
     WASI_RIGHT_FD_FDSTAT_SET_FLAGS | WASI_RIGHT_FD_SYNC | WASI_RIGHT_FD_TELL | \
     WASI_RIGHT_FD_WRITE | WASI_RIGHT_FD_ADVISE | WASI_RIGHT_FD_ALLOCATE |     \
     WASI_RIGHT_FD_FILESTAT_GET | WASI_RIGHT_FD_FILESTAT_SET_SIZE |            \
     WASI_RIGHT_FD_FILESTAT_SET_TIMES | WASI_RIGHT_POLL_FD_READWRITE)
#define WASI_RIGHTS_DIRECTORY                                                 \
    (WASI_RIGHT_FD_DATASYNC | WASI_RIGHT_FD_FDSTAT_SET_FLAGS |                 \
     WASI_RIGHT_FD_SYNC | WASI_RIGHT_FD_ADVISE |                               \
     WASI_RIGHT_PATH_CREATE_DIRECTORY | WASI_RIGHT_PATH_CREATE_FILE |          \
     WASI_RIGHT_PATH_LINK_SOURCE | WASI_RIGHT_PATH_LINK_TARGET |               \
     WASI_RIGHT_PATH_OPEN | WASI_RIGHT_FD_READDIR | WASI_RIGHT_PATH_READLINK | \
     WASI_RIGHT_PATH_RENAME_SOURCE | WASI_RIGHT_PATH_RENAME_TARGET |           \
     WASI_RIGHT_PATH_FILESTAT_GET | WASI_RIGHT_PATH_FILESTAT_SET_SIZE |        \
     WASI_RIGHT_PATH_FILESTAT_SET_TIMES | WASI_RIGHT_FD_FILESTAT_GET |         \
     WASI_RIGHT_FD_FILESTAT_SET_TIMES | WASI_RIGHT_PATH_SYMLINK |              \
     WASI_RIGHT_PATH_REMOVE_DIRECTORY | WASI_RIGHT_PATH_UNLINK_FILE |          \
     WASI_RIGHT_POLL_FD_READWRITE)
/* A terminal or pipe: a stream, so no seek/tell (wasi-libc's isatty()
 * looks for a character device without them). */
#define WASI_RIGHTS_STREAM                                                    \
    (WASI_RIGHTS_REGULAR_FILE & ~(WASI_RIGHT_FD_SEEK | WASI_RIGHT_FD_TELL |    \
                                  WASI_RIGHT_FD_ALLOCATE |                     \
                                  WASI_RIGHT_FD_FILESTAT_SET_SIZE))
#define WASI_RIGHTS_SOCKET                                                    \
    (WASI_RIGHTS_STREAM | WASI_RIGHT_SOCK_SHUTDOWN | WASI_RIGHT_SOCK_ACCEPT)

/* ---------------------------------------------------------------- other enums */
enum { WASI_FILETYPE_UNKNOWN, WASI_FILETYPE_BLOCK_DEVICE,
       WASI_FILETYPE_CHARACTER_DEVICE, WASI_FILETYPE_DIRECTORY,
       WASI_FILETYPE_REGULAR_FILE, WASI_FILETYPE_SOCKET_DGRAM,
       WASI_FILETYPE_SOCKET_STREAM, WASI_FILETYPE_SYMBOLIC_LINK };
#define WASI_FDFLAG_APPEND 1u
#define WASI_FDFLAG_DSYNC 2u
#define WASI_FDFLAG_NONBLOCK 4u
#define WASI_FDFLAG_RSYNC 8u
#define WASI_FDFLAG_SYNC 16u
#define WASI_OFLAG_CREAT 1u
#define WASI_OFLAG_DIRECTORY 2u
#define WASI_OFLAG_EXCL 4u
#define WASI_OFLAG_TRUNC 8u
#define WASI_LOOKUP_SYMLINK_FOLLOW 1u
#define WASI_FSTFLAG_ATIM 1u
#define WASI_FSTFLAG_ATIM_NOW 2u
#define WASI_FSTFLAG_MTIM 4u
#define WASI_FSTFLAG_MTIM_NOW 8u
enum { WASI_WHENCE_SET, WASI_WHENCE_CUR, WASI_WHENCE_END };
enum { WASI_CLOCK_REALTIME, WASI_CLOCK_MONOTONIC, WASI_CLOCK_PROCESS_CPUTIME,
       WASI_CLOCK_THREAD_CPUTIME };
enum { WASI_EVENTTYPE_CLOCK, WASI_EVENTTYPE_FD_READ, WASI_EVENTTYPE_FD_WRITE };
#define WASI_SUBCLOCK_ABSTIME 1u
#define WASI_EVENT_FD_HANGUP 1u
#define WASI_RIFLAG_PEEK 1u
#define WASI_RIFLAG_WAITALL 2u
#define WASI_ROFLAG_DATA_TRUNCATED 1u
#define WASI_SDFLAG_RD 1u
#define WASI_SDFLAG_WR 2u
#define WASI_PREOPENTYPE_DIR 0
enum { WASI_ADVICE_NORMAL, WASI_ADVICE_SEQUENTIAL, WASI_ADVICE_RANDOM,
       WASI_ADVICE_WILLNEED, WASI_ADVICE_DONTNEED, WASI_ADVICE_NOREUSE };

/* Layout sizes (wasm32), checked against wasi-libc's api.h. */
#define WASI_IOVEC_SIZE 8
#define WASI_FDSTAT_SIZE 24
#define WASI_FILESTAT_SIZE 64
#define WASI_DIRENT_SIZE 24
#define WASI_PRESTAT_SIZE 8
#define WASI_SUBSCRIPTION_SIZE 48
#define WASI_EVENT_SIZE 32

/* ---------------------------------------------------------------- guest memory */

/* True when [ptr, ptr+len) lies inside guest memory. */
static inline bool wasi_mem_ok(uint64_t memsize, uint64_t ptr, uint64_t len) {
    return ptr <= memsize && len <= memsize - ptr;
}
/* Guest memory is little-endian; so is every host kiln runs on today, but
 * memcpy keeps unaligned guest pointers legal. */
static inline uint16_t wasi_ld16(const uint8_t *m, uint64_t p) { uint16_t v; memcpy(&v, m + p, 2); return v; }
static inline uint32_t wasi_ld32(const uint8_t *m, uint64_t p) { uint32_t v; memcpy(&v, m + p, 4); return v; }
static inline uint64_t wasi_ld64(const uint8_t *m, uint64_t p) { uint64_t v; memcpy(&v, m + p, 8); return v; }
static inline void wasi_st8(uint8_t *m, uint64_t p, uint8_t v) { m[p] = v; }
static inline void wasi_st16(uint8_t *m, uint64_t p, uint16_t v) { memcpy(m + p, &v, 2); }
static inline void wasi_st32(uint8_t *m, uint64_t p, uint32_t v) { memcpy(m + p, &v, 4); }
static inline void wasi_st64(uint8_t *m, uint64_t p, uint64_t v) { memcpy(m + p, &v, 8); }

/* Checked stores of one result: WASI_EFAULT when out of range. */
uint32_t wasi_put32(uint8_t *mem, uint64_t memsize, uint32_t ptr, uint32_t v);
uint32_t wasi_put64(uint8_t *mem, uint64_t memsize, uint32_t ptr, uint64_t v);

/* An iovec array turned into host iovecs, every buffer checked. */
struct iovec;
uint32_t wasi_iovecs(const uint8_t *mem, uint64_t memsize, uint32_t iovs,
                     uint32_t n, struct iovec **out, size_t *total);

/* Copies a guest path into a NUL-terminated host string. A NUL inside the
 * path is EILSEQ (the host could not express it). */
uint32_t wasi_path_copy(const uint8_t *mem, uint64_t memsize, uint32_t ptr,
                        uint32_t len, char **out);

/* ---------------------------------------------------------------- state */

typedef enum wasi_fdkind {
    WASI_FD_FREE = 0,
    WASI_FD_HOST,    /* a host file, directory, socket, tty or pipe */
    WASI_FD_MEMIN,   /* stdin from bytes */
    WASI_FD_MEMOUT,  /* stdout/stderr into a buffer */
    WASI_FD_NULL,    /* /dev/null without a host fd */
} wasi_fdkind;

typedef struct wasi_dirent_cache wasi_dirent_cache;

typedef struct wasi_fd {
    wasi_fdkind kind;
    uint8_t filetype;
    uint8_t stream;          /* 0, 1, 2 for the stdio it was made for, else 3 */
    bool owned;              /* close host on fd_close (borrowed stdio: no) */
    bool counted_file;       /* its bytes count as file_read/file_write */
    int host;                /* host fd, -1 for memory streams */
    uint64_t rights_base, rights_inheriting;
    uint16_t fdflags;        /* for memory streams (hosts ask fcntl) */
    char *preopen;           /* guest name of a preopened directory, or NULL */
    wasi_dirent_cache *dir;  /* fd_readdir's snapshot */
} wasi_fd;

typedef struct wasi_outbuf {
    uint8_t *data;
    size_t len, cap, max;
    bool truncated;
} wasi_outbuf;

struct kiln_wasi {
    char **argv; size_t argc; size_t argv_bytes;
    char **env;  size_t envc; size_t env_bytes;
    wasi_fd *fds; uint32_t nfds;  /* table; FREE entries are holes */
    uint8_t *stdin_data; size_t stdin_len, stdin_pos;
    wasi_outbuf out[3];          /* [1] and [2] used */
    kiln_wasi_usage usage;
    bool host_nomem;             /* a call answered ENOMEM: the host ran out of memory */
    bool force_fallback_resolver; /* tests: exercise the no-openat2 path */
};

/* fdtable.c */
/* The entry for a guest fd holding every right in `need`: EBADF for no
 * such fd, ENOTCAPABLE when a right is missing. */
uint32_t wasi_fd_get(kiln_wasi *w, uint32_t fd, uint64_t need, wasi_fd **out);
/* Puts e in the lowest free slot; EMFILE/ENOMEM on failure (then e's host
 * fd is left to the caller). */
uint32_t wasi_fd_insert(kiln_wasi *w, const wasi_fd *e, uint32_t *fd_out);
void wasi_fd_release(wasi_fd *e); /* closes what it owns, marks it FREE */
uint8_t wasi_filetype_of_mode(unsigned mode);
uint64_t wasi_rights_for_type(uint8_t filetype);
uint16_t wasi_errno_from_host(int e);

/* path.c — resolution beneath a directory fd, never escaping it. */
typedef struct wasi_parent {
    int fd;               /* host fd of the parent directory (owned) */
    char *name;           /* the last component: never empty, no '/',
                             never "..": "." for the directory itself */
    bool trailing_slash;  /* the guest path ended in '/' */
} wasi_parent;
/* Opens `path` beneath dirfd with open(2) flags (O_NOFOLLOW honoured for the
 * last component). Returns a host fd or -1 with *err set. */
int wasi_open_beneath(kiln_wasi *w, int dirfd, const char *path, int flags,
                      unsigned mode, uint16_t *err);
/* Resolves all but the last component. */
uint32_t wasi_resolve_parent(kiln_wasi *w, int dirfd, const char *path,
                             wasi_parent *out);
void wasi_parent_free(wasi_parent *p);

/* ---------------------------------------------------------------- the functions */
typedef uint8_t wmem;
#define WASI_MEM kiln_wasi *w, uint8_t *mem, uint64_t memsize

uint32_t wasi_args_get(WASI_MEM, uint32_t argv, uint32_t buf);
/* Host bytes poll_oneoff allocates per subscription. */
uint64_t wasi_poll_host_bytes(void);
uint32_t wasi_args_sizes_get(WASI_MEM, uint32_t argc_ptr, uint32_t size_ptr);
uint32_t wasi_environ_get(WASI_MEM, uint32_t env, uint32_t buf);
uint32_t wasi_environ_sizes_get(WASI_MEM, uint32_t count_ptr, uint32_t size_ptr);
uint32_t wasi_clock_res_get(WASI_MEM, uint32_t id, uint32_t ret);
uint32_t wasi_clock_time_get(WASI_MEM, uint32_t id, uint64_t precision, uint32_t ret);
uint32_t wasi_fd_advise(WASI_MEM, uint32_t fd, uint64_t off, uint64_t len, uint32_t advice);
uint32_t wasi_fd_allocate(WASI_MEM, uint32_t fd, uint64_t off, uint64_t len);
uint32_t wasi_fd_close(WASI_MEM, uint32_t fd);
uint32_t wasi_fd_datasync(WASI_MEM, uint32_t fd);
uint32_t wasi_fd_fdstat_get(WASI_MEM, uint32_t fd, uint32_t ret);
uint32_t wasi_fd_fdstat_set_flags(WASI_MEM, uint32_t fd, uint32_t flags);
uint32_t wasi_fd_fdstat_set_rights(WASI_MEM, uint32_t fd, uint64_t base, uint64_t inh);
uint32_t wasi_fd_filestat_get(WASI_MEM, uint32_t fd, uint32_t ret);
uint32_t wasi_fd_filestat_set_size(WASI_MEM, uint32_t fd, uint64_t size);
uint32_t wasi_fd_filestat_set_times(WASI_MEM, uint32_t fd, uint64_t atim, uint64_t mtim, uint32_t fst);
uint32_t wasi_fd_pread(WASI_MEM, uint32_t fd, uint32_t iovs, uint32_t n, uint64_t off, uint32_t ret);
uint32_t wasi_fd_prestat_get(WASI_MEM, uint32_t fd, uint32_t ret);
uint32_t wasi_fd_prestat_dir_name(WASI_MEM, uint32_t fd, uint32_t path, uint32_t len);
uint32_t wasi_fd_pwrite(WASI_MEM, uint32_t fd, uint32_t iovs, uint32_t n, uint64_t off, uint32_t ret);
uint32_t wasi_fd_read(WASI_MEM, uint32_t fd, uint32_t iovs, uint32_t n, uint32_t ret);
uint32_t wasi_fd_readdir(WASI_MEM, uint32_t fd, uint32_t buf, uint32_t len, uint64_t cookie, uint32_t ret);
uint32_t wasi_fd_renumber(WASI_MEM, uint32_t fd, uint32_t to);
uint32_t wasi_fd_seek(WASI_MEM, uint32_t fd, uint64_t off, uint32_t whence, uint32_t ret);
uint32_t wasi_fd_sync(WASI_MEM, uint32_t fd);
uint32_t wasi_fd_tell(WASI_MEM, uint32_t fd, uint32_t ret);
uint32_t wasi_fd_write(WASI_MEM, uint32_t fd, uint32_t iovs, uint32_t n, uint32_t ret);
uint32_t wasi_path_create_directory(WASI_MEM, uint32_t fd, uint32_t path, uint32_t len);
uint32_t wasi_path_filestat_get(WASI_MEM, uint32_t fd, uint32_t flags, uint32_t path, uint32_t len, uint32_t ret);
uint32_t wasi_path_filestat_set_times(WASI_MEM, uint32_t fd, uint32_t flags, uint32_t path, uint32_t len, uint64_t atim, uint64_t mtim, uint32_t fst);
uint32_t wasi_path_link(WASI_MEM, uint32_t ofd, uint32_t oflags, uint32_t opath, uint32_t olen, uint32_t nfd, uint32_t npath, uint32_t nlen);
uint32_t wasi_path_open(WASI_MEM, uint32_t fd, uint32_t dirflags, uint32_t path, uint32_t len, uint32_t oflags, uint64_t base, uint64_t inh, uint32_t fdflags, uint32_t ret);
uint32_t wasi_path_readlink(WASI_MEM, uint32_t fd, uint32_t path, uint32_t len, uint32_t buf, uint32_t buflen, uint32_t ret);
uint32_t wasi_path_remove_directory(WASI_MEM, uint32_t fd, uint32_t path, uint32_t len);
uint32_t wasi_path_rename(WASI_MEM, uint32_t fd, uint32_t opath, uint32_t olen, uint32_t nfd, uint32_t npath, uint32_t nlen);
uint32_t wasi_path_symlink(WASI_MEM, uint32_t opath, uint32_t olen, uint32_t fd, uint32_t npath, uint32_t nlen);
uint32_t wasi_path_unlink_file(WASI_MEM, uint32_t fd, uint32_t path, uint32_t len);
/* deadline_ns: CLOCK_MONOTONIC ns after which to give up, 0 for none. */
uint32_t wasi_poll_oneoff(WASI_MEM, uint32_t in, uint32_t out, uint32_t n, uint32_t ret, uint64_t deadline_ns);
uint32_t wasi_proc_raise(WASI_MEM, uint32_t sig);
uint32_t wasi_sched_yield(WASI_MEM);
uint32_t wasi_random_get(WASI_MEM, uint32_t buf, uint32_t len);
uint32_t wasi_sock_accept(WASI_MEM, uint32_t fd, uint32_t flags, uint32_t ret);
uint32_t wasi_sock_recv(WASI_MEM, uint32_t fd, uint32_t iovs, uint32_t n, uint32_t flags, uint32_t ret_len, uint32_t ret_flags);
uint32_t wasi_sock_send(WASI_MEM, uint32_t fd, uint32_t iovs, uint32_t n, uint32_t flags, uint32_t ret);
uint32_t wasi_sock_shutdown(WASI_MEM, uint32_t fd, uint32_t how);

/* io.c: the shared core of fd_read/fd_write/pread/pwrite/sock_*: moves bytes
 * between an entry and host iovecs and counts them. */
uint32_t wasi_io_read(kiln_wasi *w, wasi_fd *e, struct iovec *iov, int n, size_t total, int64_t off, size_t *done);
uint32_t wasi_io_write(kiln_wasi *w, wasi_fd *e, const struct iovec *iov, int n, size_t total, int64_t off, size_t *done);
uint32_t wasi_stat_write(uint8_t *mem, uint64_t memsize, uint32_t ptr, const void *host_stat);

#endif
