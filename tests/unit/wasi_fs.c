/* wasi_fs.c — files and directories through WASI, in a temp directory
 * preopened as "/": open/create, read/write, seek/tell, pread/pwrite,
 * filestat, readdir entries and cookies, rename, links, symlinks, removal,
 * rights. Every effect is checked from the host side too. */
#include <sys/stat.h>

#include "tap.h"
#include "wasi_util.h"

#define RW (WASI_RIGHT_FD_READ | WASI_RIGHT_FD_WRITE | WASI_RIGHT_FD_SEEK | WASI_RIGHT_FD_TELL | \
            WASI_RIGHT_FD_FILESTAT_GET | WASI_RIGHT_FD_FILESTAT_SET_SIZE)

static void test_files(kiln_wasi *w) {
    uint32_t fd, n;
    T(wasi_fd_prestat_get(w, mem, MEMSIZE, 3, 64) == 0 && mem[64] == 0 && wasi_ld32(mem, 68) == 1,
      "fd 3 is a preopened directory named with 1 byte");
    uint32_t nb = galloc(8);
    T(wasi_fd_prestat_dir_name(w, mem, MEMSIZE, 3, nb, 1) == 0 && mem[nb] == '/', "its name is \"/\"");
    T(wasi_fd_prestat_dir_name(w, mem, MEMSIZE, 3, nb, 0) == WASI_ENAMETOOLONG, "a 0-byte name buffer -> NAMETOOLONG");
    T(wasi_fd_prestat_get(w, mem, MEMSIZE, 4, 64) == WASI_EBADF, "fd 4 is no preopen -> BADF (ends the scan)");

    T(popen_(w, 3, 0, "a.txt", WASI_OFLAG_CREAT, RW, 0, 0, &fd) == 0 && fd == 4, "path_open creates a.txt at fd 4");
    T(exists(tp("sandbox/a.txt")), "the host sees sandbox/a.txt");
    T(pwrite_str(w, fd, "hello world", &n) == 0 && n == 11, "fd_write 11 bytes");
    T(!strcmp(slurp(tp("sandbox/a.txt")), "hello world"), "the host file holds them");
    T(wasi_fd_tell(w, mem, MEMSIZE, fd, RET) == 0 && wasi_ld64(mem, RET) == 11, "fd_tell: 11");
    T(wasi_fd_seek(w, mem, MEMSIZE, fd, 6, WASI_WHENCE_SET, RET) == 0 && wasi_ld64(mem, RET) == 6, "fd_seek SET 6");
    uint32_t buf = galloc(64);
    T(wasi_fd_read(w, mem, MEMSIZE, fd, giov(buf, 64), 1, RET) == 0 && wasi_ld32(mem, RET) == 5 &&
          !memcmp(mem + buf, "world", 5), "fd_read from 6 gives \"world\"");
    T(wasi_fd_seek(w, mem, MEMSIZE, fd, (uint64_t)-5, WASI_WHENCE_CUR, RET) == 0 && wasi_ld64(mem, RET) == 6,
      "fd_seek CUR -5 (a negative offset as u64)");
    T(wasi_fd_seek(w, mem, MEMSIZE, fd, (uint64_t)-1, WASI_WHENCE_END, RET) == 0 && wasi_ld64(mem, RET) == 10, "fd_seek END -1");
    T(wasi_fd_seek(w, mem, MEMSIZE, fd, (uint64_t)-100, WASI_WHENCE_SET, RET) == WASI_EINVAL, "seek before 0 -> INVAL");
    T(wasi_fd_seek(w, mem, MEMSIZE, fd, 0, 3, RET) == WASI_EINVAL, "whence 3 -> INVAL");
    T(wasi_fd_pread(w, mem, MEMSIZE, fd, giov(buf, 4), 1, 1, RET) == 0 && wasi_ld32(mem, RET) == 4 &&
          !memcmp(mem + buf, "ello", 4), "fd_pread 4 bytes at 1");
    T(wasi_fd_tell(w, mem, MEMSIZE, fd, RET) == 0 && wasi_ld64(mem, RET) == 10, "pread leaves the position alone");
    uint32_t s = gstr("J");
    T(wasi_fd_pwrite(w, mem, MEMSIZE, fd, giov(s, 1), 1, 0, RET) == 0 && wasi_ld32(mem, RET) == 1, "fd_pwrite at 0");
    T(!strcmp(slurp(tp("sandbox/a.txt")), "Jello world"), "the host file changed at 0");
    T(wasi_fd_filestat_get(w, mem, MEMSIZE, fd, 128) == 0, "fd_filestat_get");
    struct stat st;
    stat(tp("sandbox/a.txt"), &st);
    T(wasi_ld64(mem, 128 + 32) == 11 && mem[128 + 16] == WASI_FILETYPE_REGULAR_FILE &&
          wasi_ld64(mem, 128 + 8) == (uint64_t)st.st_ino && wasi_ld64(mem, 128 + 24) == 1 &&
          wasi_ld64(mem, 128) == (uint64_t)st.st_dev, "filestat: size 11, regular, the host's ino/dev/nlink");
    T(wasi_ld64(mem, 128 + 48) == (uint64_t)st.st_mtim.tv_sec * 1000000000u + (uint64_t)st.st_mtim.tv_nsec,
      "filestat: mtim in ns as the host has it");
    T(wasi_fd_filestat_set_size(w, mem, MEMSIZE, fd, 5) == 0 && !strcmp(slurp(tp("sandbox/a.txt")), "Jello"),
      "fd_filestat_set_size truncates to 5");
    T(wasi_fd_filestat_set_times(w, mem, MEMSIZE, fd, 0, 0, WASI_FSTFLAG_MTIM) == WASI_ENOTCAPABLE,
      "set_times without the right -> NOTCAPABLE");
    T(wasi_fd_allocate(w, mem, MEMSIZE, fd, 0, 10) == WASI_ENOTCAPABLE, "fd_allocate without the right -> NOTCAPABLE");
    T(wasi_fd_close(w, mem, MEMSIZE, fd) == 0, "fd_close");
    T(popen_(w, 3, 0, "a.txt", 0, WASI_RIGHT_FD_FILESTAT_SET_TIMES, 0, 0, &fd) == 0, "reopen with fd_filestat_set_times");
    T(wasi_fd_filestat_set_times(w, mem, MEMSIZE, fd, 0, 0, WASI_FSTFLAG_ATIM | WASI_FSTFLAG_ATIM_NOW) == WASI_EINVAL,
      "set_times with ATIM and ATIM_NOW -> INVAL");
    T(wasi_fd_filestat_set_times(w, mem, MEMSIZE, fd, 0, 0, WASI_FSTFLAG_MTIM | WASI_FSTFLAG_MTIM_NOW) == WASI_EINVAL,
      "set_times with MTIM and MTIM_NOW -> INVAL");
    T(wasi_fd_filestat_set_times(w, mem, MEMSIZE, fd, 0, 3000000000ull, WASI_FSTFLAG_MTIM) == 0 &&
          stat(tp("sandbox/a.txt"), &st) == 0 && st.st_mtim.tv_sec == 3, "fd_filestat_set_times sets mtime to 3 s");
    T(wasi_fd_close(w, mem, MEMSIZE, fd) == 0, "close");

    /* Times through the path, with a right the preopen has. */
    T(wasi_path_filestat_set_times(w, mem, MEMSIZE, 3, 0, P("a.txt"), 5000000000ull, 7000000000ull,
                                   WASI_FSTFLAG_ATIM | WASI_FSTFLAG_MTIM) == 0, "path_filestat_set_times");
    stat(tp("sandbox/a.txt"), &st);
    T(st.st_atim.tv_sec == 5 && st.st_mtim.tv_sec == 7, "the host file's atime 5 s, mtime 7 s");
    T(wasi_path_filestat_get(w, mem, MEMSIZE, 3, 0, P("a.txt"), 128) == 0 && wasi_ld64(mem, 128 + 48) == 7000000000ull,
      "path_filestat_get sees mtime 7 s");

    /* oflags */
    T(popen_(w, 3, 0, "a.txt", WASI_OFLAG_CREAT | WASI_OFLAG_EXCL, RW, 0, 0, &fd) == WASI_EEXIST, "CREAT|EXCL on an existing file -> EXIST");
    T(popen_(w, 3, 0, "nope.txt", 0, RW, 0, 0, &fd) == WASI_ENOENT, "opening a missing file -> NOENT");
    T(popen_(w, 3, 0, "a.txt", WASI_OFLAG_DIRECTORY, RW, 0, 0, &fd) == WASI_ENOTDIR, "DIRECTORY on a file -> NOTDIR");
    T(popen_(w, 3, 0, "a.txt", WASI_OFLAG_TRUNC, RW, 0, WASI_FDFLAG_APPEND, &fd) == 0, "TRUNC with APPEND");
    T(pwrite_str(w, fd, "xy", &n) == 0 && wasi_fd_seek(w, mem, MEMSIZE, fd, 0, WASI_WHENCE_SET, RET) == 0 &&
          pwrite_str(w, fd, "z", &n) == 0 && !strcmp(slurp(tp("sandbox/a.txt")), "xyz"), "APPEND writes at the end after a seek");
    T(wasi_fd_fdstat_get(w, mem, MEMSIZE, fd, 64) == 0 && (wasi_ld16(mem, 66) & WASI_FDFLAG_APPEND),
      "fdstat shows APPEND");
    T(wasi_fd_pwrite(w, mem, MEMSIZE, fd, giov(s, 1), 1, 0, RET) == 0 && !strcmp(slurp(tp("sandbox/a.txt")), "Jyz"),
      "fd_pwrite on an APPEND file writes at its offset (POSIX), not at the end");
    T(wasi_fd_close(w, mem, MEMSIZE, fd) == 0, "close");

    /* advise, allocate, sync, flags */
    const uint64_t more = RW | WASI_RIGHT_FD_ADVISE | WASI_RIGHT_FD_ALLOCATE | WASI_RIGHT_FD_SYNC |
                          WASI_RIGHT_FD_DATASYNC | WASI_RIGHT_FD_FDSTAT_SET_FLAGS;
    T(popen_(w, 3, 0, "b.bin", WASI_OFLAG_CREAT, more, 0, 0, &fd) == 0, "create b.bin with more rights");
    T(wasi_fd_advise(w, mem, MEMSIZE, fd, 0, 100, WASI_ADVICE_SEQUENTIAL) == 0, "fd_advise SEQUENTIAL");
    T(wasi_fd_advise(w, mem, MEMSIZE, fd, 0, 100, 6) == WASI_EINVAL, "fd_advise with advice 6 -> INVAL");
    T(wasi_fd_allocate(w, mem, MEMSIZE, fd, 10, 90) == 0 && stat(tp("sandbox/b.bin"), &st) == 0 && st.st_size == 100,
      "fd_allocate(10, 90) grows the file to 100");
    T(wasi_fd_allocate(w, mem, MEMSIZE, fd, 0, 50) == 0 && stat(tp("sandbox/b.bin"), &st) == 0 && st.st_size == 100,
      "fd_allocate inside the file leaves its size");
    T(wasi_fd_sync(w, mem, MEMSIZE, fd) == 0 && wasi_fd_datasync(w, mem, MEMSIZE, fd) == 0, "fd_sync, fd_datasync");
    T(wasi_fd_fdstat_set_flags(w, mem, MEMSIZE, fd, WASI_FDFLAG_APPEND | WASI_FDFLAG_NONBLOCK) == 0 &&
          wasi_fd_fdstat_get(w, mem, MEMSIZE, fd, 64) == 0 &&
          wasi_ld16(mem, 66) == (WASI_FDFLAG_APPEND | WASI_FDFLAG_NONBLOCK), "fd_fdstat_set_flags APPEND|NONBLOCK shows in fdstat");
    T(pwrite_str(w, fd, "end", &n) == 0 && stat(tp("sandbox/b.bin"), &st) == 0 && st.st_size == 103,
      "and a write now appends");
    T(wasi_fd_fdstat_set_flags(w, mem, MEMSIZE, fd, WASI_FDFLAG_SYNC) == WASI_ENOTSUP, "turning on SYNC after open -> NOTSUP");
    T(wasi_fd_fdstat_set_flags(w, mem, MEMSIZE, fd, 0) == 0 && wasi_fd_fdstat_get(w, mem, MEMSIZE, fd, 64) == 0 &&
          wasi_ld16(mem, 66) == 0, "flags cleared");
    T(wasi_fd_close(w, mem, MEMSIZE, fd) == 0, "close");
    T(popen_(w, 3, 0, "c.bin", WASI_OFLAG_CREAT, RW, 0, WASI_FDFLAG_DSYNC, &fd) == 0 &&
          wasi_fd_fdstat_get(w, mem, MEMSIZE, fd, 64) == 0 && (wasi_ld16(mem, 66) & WASI_FDFLAG_DSYNC),
      "path_open with DSYNC: fdstat shows it");
    T(wasi_fd_close(w, mem, MEMSIZE, fd) == 0, "close");

    /* Rights on an opened file. */
    T(popen_(w, 3, 0, "a.txt", 0, WASI_RIGHT_FD_READ, 0, 0, &fd) == 0, "open read-only (rights: fd_read)");
    T(pwrite_str(w, fd, "no", &n) == WASI_ENOTCAPABLE, "fd_write -> NOTCAPABLE");
    T(wasi_fd_fdstat_get(w, mem, MEMSIZE, fd, 64) == 0 && wasi_ld64(mem, 72) == WASI_RIGHT_FD_READ,
      "fdstat shows exactly the right asked for");
    T(wasi_fd_close(w, mem, MEMSIZE, fd) == 0, "close");
}

static void test_dirs(kiln_wasi *w) {
    uint32_t fd, n;
    T(wasi_path_create_directory(w, mem, MEMSIZE, 3, P("d")) == 0, "path_create_directory d");
    T(wasi_path_create_directory(w, mem, MEMSIZE, 3, P("d")) == WASI_EEXIST, "again -> EXIST");
    T(wasi_path_create_directory(w, mem, MEMSIZE, 3, P("d/e/")) == 0, "d/e/ with a trailing slash");
    struct stat st;
    T(stat(tp("sandbox/d/e"), &st) == 0 && S_ISDIR(st.st_mode), "the host sees sandbox/d/e");
    const char *names[] = {"f1", "f2", "f3"};
    for (int i = 0; i < 3; i++) {
        char p[16];
        snprintf(p, sizeof p, "d/%s", names[i]);
        popen_(w, 3, 0, p, WASI_OFLAG_CREAT, RW, 0, 0, &fd);
        wasi_fd_close(w, mem, MEMSIZE, fd);
    }
    T(popen_(w, 3, 0, "d", WASI_OFLAG_DIRECTORY, WASI_RIGHT_FD_READ | WASI_RIGHT_FD_WRITE, 0, 0, &fd) == WASI_EISDIR,
      "DIRECTORY with fd_write -> ISDIR");
    T(popen_(w, 3, 0, "d", WASI_OFLAG_DIRECTORY, WASI_RIGHTS_DIRECTORY, WASI_RIGHTS_ALL, 0, &fd) == 0, "open d as a directory");
    uint32_t dfd = fd;
    T(wasi_fd_fdstat_get(w, mem, MEMSIZE, dfd, 64) == 0 && mem[64] == WASI_FILETYPE_DIRECTORY &&
          !(wasi_ld64(mem, 72) & WASI_RIGHT_FD_FILESTAT_SET_SIZE) && !(wasi_ld64(mem, 72) & WASI_RIGHT_FD_SEEK),
      "a directory fd: type directory, no file-only rights");
    T(wasi_fd_seek(w, mem, MEMSIZE, dfd, 0, WASI_WHENCE_CUR, RET) == WASI_ENOTCAPABLE, "seek on a directory -> NOTCAPABLE");

    uint32_t buf = galloc(4096);
    T(wasi_fd_readdir(w, mem, MEMSIZE, dfd, buf, 4096, 0, RET) == 0, "fd_readdir with a big buffer");
    uint32_t used = wasi_ld32(mem, RET);
    int count = 0, seen = 0;
    uint64_t cookies[16];
    char entnames[16][16];
    for (uint32_t at = 0; at + 24 <= used && count < 16;) {
        uint32_t nl = wasi_ld32(mem, buf + at + 16);
        uint8_t ty = mem[buf + at + 20];
        cookies[count] = wasi_ld64(mem, buf + at);
        char nm[16] = {0};
        memcpy(nm, mem + buf + at + 24, nl < 15 ? nl : 15);
        strcpy(entnames[count], nm);
        if (!strcmp(nm, "f1") || !strcmp(nm, "f2") || !strcmp(nm, "f3")) seen += ty == WASI_FILETYPE_REGULAR_FILE;
        if (!strcmp(nm, "e")) seen += (ty == WASI_FILETYPE_DIRECTORY) * 10;
        if (!strcmp(nm, ".") || !strcmp(nm, "..")) seen += 100;
        char hp[64];
        snprintf(hp, sizeof hp, "sandbox/d/%s", nm);
        struct stat es;
        if (strcmp(nm, "..") && lstat(tp(hp), &es) == 0 && es.st_ino == wasi_ld64(mem, buf + at + 8)) seen += 1000;
        at += 24 + nl;
        count++;
    }
    T(count == 6 && used == 6 * 24 + 1 + 2 + 1 + 2 + 2 + 2, "6 entries packed back to back (., .., e, f1, f2, f3)");
    T(seen == 3 + 10 + 200 + 5000, "names, types and inode numbers are right");
    bool seq = true;
    for (int i = 0; i < count; i++) seq &= cookies[i] == (uint64_t)i + 1;
    T(seq, "d_next cookies are 1..6");
    /* Resume from the 4th entry's cookie: the last three entries, same order. */
    T(wasi_fd_readdir(w, mem, MEMSIZE, dfd, buf, 4096, cookies[2], RET) == 0, "fd_readdir from a cookie");
    uint32_t nl = wasi_ld32(mem, buf + 16);
    T(wasi_ld64(mem, buf) == cookies[3] && nl == strlen(entnames[3]) && !memcmp(mem + buf + 24, entnames[3], nl),
      "resumes at the entry after the cookie");
    /* A small buffer is filled to the last byte: the guest then knows to grow it. */
    T(wasi_fd_readdir(w, mem, MEMSIZE, dfd, buf, 30, 0, RET) == 0 && wasi_ld32(mem, RET) == 30,
      "a 30-byte buffer comes back full (30)");
    T(wasi_fd_readdir(w, mem, MEMSIZE, dfd, buf, 4096, 6, RET) == 0 && wasi_ld32(mem, RET) == 0, "past the end: 0 bytes");
    T(wasi_fd_readdir(w, mem, MEMSIZE, dfd, MEMSIZE - 10, 4096, 0, RET) == WASI_EFAULT, "buffer past the end -> FAULT");
    T(wasi_fd_readdir(w, mem, MEMSIZE, 0, buf, 4096, 0, RET) == WASI_ENOTCAPABLE ||
          wasi_fd_readdir(w, mem, MEMSIZE, 0, buf, 4096, 0, RET) == WASI_ENOTDIR, "readdir on stdin fails");

    /* Paths relative to the new directory fd. */
    T(popen_(w, dfd, 0, "f1", 0, RW, 0, 0, &fd) == 0, "open f1 relative to the d fd");
    T(pwrite_str(w, fd, "one", &n) == 0 && !strcmp(slurp(tp("sandbox/d/f1")), "one"), "writes reach sandbox/d/f1");
    wasi_fd_close(w, mem, MEMSIZE, fd);

    T(wasi_path_remove_directory(w, mem, MEMSIZE, 3, P("d")) == WASI_ENOTEMPTY, "remove_directory on a full dir -> NOTEMPTY");
    T(wasi_path_remove_directory(w, mem, MEMSIZE, 3, P("d/f1")) == WASI_ENOTDIR, "remove_directory on a file -> NOTDIR");
    T(wasi_path_unlink_file(w, mem, MEMSIZE, 3, P("d/e")) == WASI_EISDIR, "unlink_file on a directory -> ISDIR");
    T(wasi_path_unlink_file(w, mem, MEMSIZE, 3, P("d/f1/")) == WASI_ENOTDIR, "unlink_file f1/ -> NOTDIR");
    T(wasi_path_unlink_file(w, mem, MEMSIZE, dfd, P("f1")) == 0 && !exists(tp("sandbox/d/f1")), "unlink_file f1");
    T(wasi_path_remove_directory(w, mem, MEMSIZE, 3, P("d/e/")) == 0 && !exists(tp("sandbox/d/e")), "remove_directory d/e/");

    /* rename, link, symlink, readlink */
    T(wasi_path_rename(w, mem, MEMSIZE, 3, P("d/f2"), dfd, P("g2")) == 0 && exists(tp("sandbox/d/g2")) &&
          !exists(tp("sandbox/d/f2")), "path_rename across two directory fds");
    T(wasi_path_rename(w, mem, MEMSIZE, 3, P("d/g2/"), 3, P("x")) == WASI_ENOTDIR, "rename file/ -> NOTDIR");
    T(wasi_path_link(w, mem, MEMSIZE, 3, 0, P("d/g2"), 3, P("hard")) == 0, "path_link");
    struct stat a, b;
    T(stat(tp("sandbox/d/g2"), &a) == 0 && stat(tp("sandbox/hard"), &b) == 0 && a.st_ino == b.st_ino && a.st_nlink == 2,
      "a hard link: same inode, nlink 2");
    T(wasi_path_symlink(w, mem, MEMSIZE, P("d/g2"), 3, P("soft")) == 0, "path_symlink soft -> d/g2");
    char target[64] = {0};
    T(readlink(tp("sandbox/soft"), target, sizeof target) == 4 && !strcmp(target, "d/g2"), "the host sees the symlink");
    uint32_t lb = galloc(64);
    T(wasi_path_readlink(w, mem, MEMSIZE, 3, P("soft"), lb, 64, RET) == 0 && wasi_ld32(mem, RET) == 4 &&
          !memcmp(mem + lb, "d/g2", 4), "path_readlink");
    T(wasi_path_readlink(w, mem, MEMSIZE, 3, P("soft"), lb, 2, RET) == 0 && wasi_ld32(mem, RET) == 2,
      "path_readlink into 2 bytes gives 2");
    T(wasi_path_readlink(w, mem, MEMSIZE, 3, P("hard"), lb, 64, RET) == WASI_EINVAL, "readlink of a file -> INVAL");
    T(wasi_path_filestat_get(w, mem, MEMSIZE, 3, 0, P("soft"), 128) == 0 && mem[128 + 16] == WASI_FILETYPE_SYMBOLIC_LINK,
      "path_filestat_get without follow: a symlink");
    T(wasi_path_filestat_get(w, mem, MEMSIZE, 3, WASI_LOOKUP_SYMLINK_FOLLOW, P("soft"), 128) == 0 &&
          mem[128 + 16] == WASI_FILETYPE_REGULAR_FILE, "with follow: the regular file");
    T(popen_(w, 3, 0, "soft", 0, RW, 0, 0, &fd) == WASI_ELOOP, "path_open of a symlink without follow -> LOOP");
    T(popen_(w, 3, WASI_LOOKUP_SYMLINK_FOLLOW, "soft", 0, RW, 0, 0, &fd) == 0, "with follow it opens the target");
    wasi_fd_close(w, mem, MEMSIZE, fd);
    T(wasi_path_symlink(w, mem, MEMSIZE, P("x"), 3, P("soft")) == WASI_EEXIST, "symlink over an existing name -> EXIST");
    T(wasi_path_symlink(w, mem, MEMSIZE, P("x"), 3, P("newlink/")) == WASI_ENOENT, "symlink to name/ -> NOENT");
    T(wasi_path_unlink_file(w, mem, MEMSIZE, 3, P("soft")) == 0 && exists(tp("sandbox/d/g2")), "unlinking the symlink leaves its target");
    wasi_fd_close(w, mem, MEMSIZE, dfd);
}

static void test_rights(kiln_wasi *w) {
    uint32_t fd, dfd;
    /* A directory fd that may open and create, but not truncate or mkdir. */
    T(popen_(w, 3, 0, "d", WASI_OFLAG_DIRECTORY, WASI_RIGHT_PATH_OPEN | WASI_RIGHT_PATH_CREATE_FILE,
             WASI_RIGHT_FD_READ | WASI_RIGHT_FD_WRITE, 0, &dfd) == 0, "open d with few rights");
    T(popen_(w, dfd, 0, "new", WASI_OFLAG_CREAT, WASI_RIGHT_FD_READ | WASI_RIGHT_FD_WRITE | WASI_RIGHT_FD_SEEK, 0, 0, &fd) == 0,
      "CREAT with the create right");
    T(wasi_fd_fdstat_get(w, mem, MEMSIZE, fd, 64) == 0 &&
          wasi_ld64(mem, 72) == (WASI_RIGHT_FD_READ | WASI_RIGHT_FD_WRITE), "the file gets only what d may hand down (no seek)");
    wasi_fd_close(w, mem, MEMSIZE, fd);
    T(popen_(w, dfd, 0, "new", WASI_OFLAG_TRUNC, WASI_RIGHT_FD_WRITE, 0, 0, &fd) == WASI_ENOTCAPABLE,
      "TRUNC without path_filestat_set_size -> NOTCAPABLE");
    T(wasi_path_create_directory(w, mem, MEMSIZE, dfd, P("sub")) == WASI_ENOTCAPABLE && !exists(tp("sandbox/d/sub")),
      "mkdir without the right -> NOTCAPABLE, nothing made");
    T(wasi_path_unlink_file(w, mem, MEMSIZE, dfd, P("new")) == WASI_ENOTCAPABLE && exists(tp("sandbox/d/new")),
      "unlink without the right -> NOTCAPABLE, file still there");
    T(wasi_fd_fdstat_set_rights(w, mem, MEMSIZE, dfd, 0, 0) == 0, "drop every right");
    T(popen_(w, dfd, 0, "new", 0, 0, 0, 0, &fd) == WASI_ENOTCAPABLE, "path_open without path_open -> NOTCAPABLE");
    T(popen_(w, 4000, 0, "new", 0, 0, 0, 0, &fd) == WASI_EBADF, "path_open on a bad fd -> BADF");
    wasi_fd_close(w, mem, MEMSIZE, dfd);
    T(popen_(w, 3, 0, "d/new", 0, WASI_RIGHT_FD_READ, 0, 0, &fd) == 0, "open a file");
    T(popen_(w, fd, 0, "x", 0, 0, 0, 0, &dfd) == WASI_ENOTCAPABLE || popen_(w, fd, 0, "x", 0, 0, 0, 0, &dfd) == WASI_ENOTDIR,
      "path_open relative to a file fails");
    wasi_fd_close(w, mem, MEMSIZE, fd);

    kiln_wasi_usage u;
    kiln_wasi_get_usage(w, &u);
    T(u.file_write_bytes > 0 && u.file_read_bytes > 0, "usage counts file bytes (read %llu, written %llu)",
      (unsigned long long)u.file_read_bytes, (unsigned long long)u.file_write_bytes);
}

int main(void) {
    make_tmp();
    for (int fb = 0; fb < 2; fb++) {
        printf("# resolver: %s\n", fb ? "component walker (no openat2)" : "openat2");
        kiln_wasi *w = new_sandboxed(fb);
        test_files(w);
        test_dirs(w);
        test_rights(w);
        kiln_wasi_free(w);
        char cmd[700];
        snprintf(cmd, sizeof cmd, "rm -rf '%s/sandbox' && mkdir '%s/sandbox'", tmproot, tmproot);
        if (system(cmd) != 0) printf("Bail out! cannot reset the sandbox\n");
    }
    rm_tmp();
    TAP_DONE();
}
