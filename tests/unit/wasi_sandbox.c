/* wasi_sandbox.c — a guest must reach nothing but what was preopened.
 * A temp dir holds sandbox/ (preopened as "/") and outside/secret; the
 * sandbox is seeded with symlinks that point out (absolute and relative,
 * to files and directories, through chains), loops, and a dangling link
 * aimed outside. Every escape must fail with the right errno, and at the
 * end outside/ must be exactly as it was. Runs with openat2 and with the
 * component walker used where openat2 is missing. */
#include <dirent.h>
#include <sys/stat.h>

#include "tap.h"
#include "wasi_util.h"

#define RW (WASI_RIGHT_FD_READ | WASI_RIGHT_FD_WRITE)
#define FOLLOW WASI_LOOKUP_SYMLINK_FOLLOW

static void seed(void) {
    char out[600], p[700];
    snprintf(out, sizeof out, "%s/outside", tmproot);
    struct { const char *target, *name; } links[] = {
        {NULL, "abs_link"},            /* -> <tmp>/outside/secret */
        {NULL, "abs_dir_link"},        /* -> <tmp>/outside */
        {"../outside/secret", "rel_link"},
        {"../outside", "dir_link"},
        {"loop2", "loop1"},
        {"loop1", "loop2"},
        {"self", "self"},
        {"sub/chain2", "chain1"},
        {"../../outside/secret", "sub/chain2"},
        {"..", "sub/up"},
        {"../..", "sub/upup"},
        {"../outside/newfile", "dangle"},
        {"/", "root_link"},
    };
    mkdir(tp("sandbox/sub"), 0777);
    FILE *f = fopen(tp("sandbox/file"), "w");
    if (f) { fputs("inside", f); fclose(f); }
    for (size_t i = 0; i < sizeof links / sizeof links[0]; i++) {
        const char *t = links[i].target;
        if (!t) {
            snprintf(p, sizeof p, "%s%s", out, i == 0 ? "/secret" : "");
            t = p;
        }
        char name[800];
        snprintf(name, sizeof name, "%s/sandbox/%s", tmproot, links[i].name);
        if (symlink(t, name) != 0) printf("Bail out! symlink %s\n", name);
    }
}

/* outside/ holds exactly "secret" with its text, untouched. */
static bool outside_intact(void) {
    DIR *d = opendir(tp("outside"));
    if (!d) return false;
    int n = 0;
    struct dirent *e;
    while ((e = readdir(d))) if (strcmp(e->d_name, ".") && strcmp(e->d_name, "..")) n++;
    closedir(d);
    const char *s = slurp(tp("outside/secret"));
    struct stat st;
    return n == 1 && s && !strcmp(s, "secret") && stat(tp("outside/secret"), &st) == 0 && st.st_mtim.tv_sec > 1000000;
}

static void run(bool fallback) {
    printf("# resolver: %s\n", fallback ? "component walker (no openat2)" : "openat2");
    kiln_wasi *w = new_sandboxed(fallback);
    uint32_t fd;
    const char *tag = fallback ? "walker" : "openat2";
#define DENY(call, want, what) T((call) == (want), "%s: %s -> %s", tag, what, #want)

    /* Plain climbing and absolute paths. */
    DENY(popen_(w, 3, 0, "../outside/secret", 0, RW, 0, 0, &fd), WASI_ENOTCAPABLE, "open ../outside/secret");
    DENY(popen_(w, 3, 0, "/etc/passwd", 0, RW, 0, 0, &fd), WASI_ENOTCAPABLE, "open /etc/passwd");
    DENY(popen_(w, 3, 0, "/", WASI_OFLAG_DIRECTORY, 0, 0, 0, &fd), WASI_ENOTCAPABLE, "open /");
    DENY(popen_(w, 3, 0, "..", WASI_OFLAG_DIRECTORY, 0, 0, 0, &fd), WASI_ENOTCAPABLE, "open .. as a directory");
    DENY(popen_(w, 3, 0, "sub/../../outside/secret", 0, RW, 0, 0, &fd), WASI_ENOTCAPABLE, "open sub/../../outside/secret");
    DENY(popen_(w, 3, 0, "sub/./../sub/../..", WASI_OFLAG_DIRECTORY, 0, 0, 0, &fd), WASI_ENOTCAPABLE, "open sub/./../sub/../..");

    /* Symlinks pointing out. */
    DENY(popen_(w, 3, FOLLOW, "abs_link", 0, RW, 0, 0, &fd), WASI_ENOTCAPABLE, "follow an absolute symlink to outside/secret");
    DENY(popen_(w, 3, 0, "abs_link", 0, RW, 0, 0, &fd), WASI_ELOOP, "open an absolute symlink without follow");
    DENY(popen_(w, 3, FOLLOW, "rel_link", 0, RW, 0, 0, &fd), WASI_ENOTCAPABLE, "follow ../outside/secret symlink");
    DENY(popen_(w, 3, 0, "dir_link/secret", 0, RW, 0, 0, &fd), WASI_ENOTCAPABLE, "through a relative directory symlink");
    DENY(popen_(w, 3, 0, "abs_dir_link/secret", 0, RW, 0, 0, &fd), WASI_ENOTCAPABLE, "through an absolute directory symlink");
    DENY(popen_(w, 3, FOLLOW, "root_link", WASI_OFLAG_DIRECTORY, 0, 0, 0, &fd), WASI_ENOTCAPABLE, "follow a symlink to /");
    DENY(popen_(w, 3, FOLLOW, "chain1", 0, RW, 0, 0, &fd), WASI_ENOTCAPABLE, "a chain of two symlinks leading out");
    DENY(popen_(w, 3, 0, "sub/upup/outside/secret", 0, RW, 0, 0, &fd), WASI_ENOTCAPABLE, "sub/upup (-> ../..) climbs out");
    DENY(popen_(w, 3, 0, "sub/up/../outside/secret", 0, RW, 0, 0, &fd), WASI_ENOTCAPABLE, "sub/up/.. climbs out");
    T(popen_(w, 3, 0, "sub/up/file", 0, RW, 0, 0, &fd) == 0, "%s: sub/up/file (a link back inside) opens", tag);
    wasi_fd_close(w, mem, MEMSIZE, fd);

    /* Loops, and a file used as a directory. */
    DENY(popen_(w, 3, FOLLOW, "loop1", 0, RW, 0, 0, &fd), WASI_ELOOP, "follow a two-link loop");
    DENY(popen_(w, 3, FOLLOW, "self", 0, RW, 0, 0, &fd), WASI_ELOOP, "follow a link to itself");
    DENY(popen_(w, 3, 0, "loop1/x", 0, RW, 0, 0, &fd), WASI_ELOOP, "a loop in the middle of a path");
    DENY(popen_(w, 3, 0, "file/x", 0, RW, 0, 0, &fd), WASI_ENOTDIR, "file/x");
    DENY(popen_(w, 3, 0, "file/", 0, RW, 0, 0, &fd), WASI_ENOTDIR, "file/");
    DENY(wasi_path_create_directory(w, mem, MEMSIZE, 3, P("file/d")), WASI_ENOTDIR, "mkdir file/d");

    /* Creating through the sandbox's edge. */
    DENY(popen_(w, 3, FOLLOW, "dangle", WASI_OFLAG_CREAT, RW, 0, 0, &fd), WASI_ENOTCAPABLE, "O_CREAT through a dangling link aimed outside");
    T(!exists(tp("outside/newfile")), "%s: ... and outside/newfile was not created", tag);
    DENY(popen_(w, 3, 0, "dangle", WASI_OFLAG_CREAT, RW, 0, 0, &fd), WASI_ELOOP, "O_CREAT on a dangling link without follow");
    DENY(popen_(w, 3, 0, "../newfile", WASI_OFLAG_CREAT, RW, 0, 0, &fd), WASI_ENOTCAPABLE, "create ../newfile");
    T(!exists(tp("newfile")), "%s: ... not created", tag);
    DENY(wasi_path_create_directory(w, mem, MEMSIZE, 3, P("../escape")), WASI_ENOTCAPABLE, "mkdir ../escape");
    DENY(wasi_path_create_directory(w, mem, MEMSIZE, 3, P("dir_link/escape")), WASI_ENOTCAPABLE, "mkdir dir_link/escape");
    DENY(wasi_path_create_directory(w, mem, MEMSIZE, 3, P("/tmp/escape")), WASI_ENOTCAPABLE, "mkdir /tmp/escape");
    T(!exists(tp("escape")) && !exists(tp("outside/escape")), "%s: ... no directory made", tag);

    /* Moving and linking things in or out. */
    DENY(wasi_path_rename(w, mem, MEMSIZE, 3, P("file"), 3, P("../outside/stolen")), WASI_ENOTCAPABLE, "rename file to ../outside/stolen");
    DENY(wasi_path_rename(w, mem, MEMSIZE, 3, P("dir_link/secret"), 3, P("got")), WASI_ENOTCAPABLE, "rename dir_link/secret into the sandbox");
    DENY(wasi_path_rename(w, mem, MEMSIZE, 3, P("sub/up/.."), 3, P("x")), WASI_ENOTCAPABLE, "rename the sandbox's parent");
    T(exists(tp("sandbox/file")) && !exists(tp("sandbox/got")), "%s: ... nothing moved", tag);
    DENY(wasi_path_link(w, mem, MEMSIZE, 3, FOLLOW, P("rel_link"), 3, P("hard")), WASI_ENOTCAPABLE, "hard-link the target of rel_link");
    DENY(wasi_path_link(w, mem, MEMSIZE, 3, 0, P("dir_link/secret"), 3, P("hard")), WASI_ENOTCAPABLE, "hard-link dir_link/secret");
    DENY(wasi_path_link(w, mem, MEMSIZE, 3, 0, P("file"), 3, P("../outside/hard")), WASI_ENOTCAPABLE, "hard-link file to ../outside/hard");
    T(!exists(tp("sandbox/hard")) && !exists(tp("outside/hard")), "%s: ... no link made", tag);
    T(wasi_path_link(w, mem, MEMSIZE, 3, 0, P("rel_link"), 3, P("linkcopy")) == 0, "%s: hard-linking the symlink itself is fine", tag);
    DENY(popen_(w, 3, FOLLOW, "linkcopy", 0, RW, 0, 0, &fd), WASI_ENOTCAPABLE, "... and following the copy still fails");
    T(wasi_path_symlink(w, mem, MEMSIZE, P("../outside/secret"), 3, P("made")) == 0, "%s: a guest may make a symlink pointing out", tag);
    DENY(popen_(w, 3, FOLLOW, "made", 0, RW, 0, 0, &fd), WASI_ENOTCAPABLE, "... but not follow it");
    DENY(wasi_path_symlink(w, mem, MEMSIZE, P("/etc/passwd"), 3, P("abs_made")), WASI_ENOTCAPABLE, "make an absolute symlink");
    T(!exists(tp("sandbox/abs_made")), "%s: ... not made", tag);
    DENY(wasi_path_symlink(w, mem, MEMSIZE, P("x"), 3, P("../outside/evil")), WASI_ENOTCAPABLE, "symlink named ../outside/evil");
    DENY(wasi_path_symlink(w, mem, MEMSIZE, P("x"), 3, P("dir_link/evil")), WASI_ENOTCAPABLE, "symlink named dir_link/evil");

    /* Removing, stat-ing and touching things outside. */
    DENY(wasi_path_unlink_file(w, mem, MEMSIZE, 3, P("dir_link/secret")), WASI_ENOTCAPABLE, "unlink dir_link/secret");
    DENY(wasi_path_unlink_file(w, mem, MEMSIZE, 3, P("../outside/secret")), WASI_ENOTCAPABLE, "unlink ../outside/secret");
    DENY(wasi_path_unlink_file(w, mem, MEMSIZE, 3, P("abs_dir_link/secret")), WASI_ENOTCAPABLE, "unlink abs_dir_link/secret");
    DENY(wasi_path_remove_directory(w, mem, MEMSIZE, 3, P("dir_link")), WASI_ENOTDIR, "rmdir a symlink to a directory");
    DENY(wasi_path_remove_directory(w, mem, MEMSIZE, 3, P("..")), WASI_ENOTCAPABLE, "rmdir ..");
    DENY(wasi_path_remove_directory(w, mem, MEMSIZE, 3, P("sub/upup")), WASI_ENOTDIR, "rmdir sub/upup (a symlink)");
    DENY(wasi_path_filestat_get(w, mem, MEMSIZE, 3, FOLLOW, P("rel_link"), 128), WASI_ENOTCAPABLE, "stat through rel_link");
    DENY(wasi_path_filestat_get(w, mem, MEMSIZE, 3, 0, P(".."), 128), WASI_ENOTCAPABLE, "stat ..");
    DENY(wasi_path_filestat_get(w, mem, MEMSIZE, 3, 0, P("dir_link/"), 128), WASI_ENOTCAPABLE, "stat dir_link/ (a trailing slash follows)");
    T(wasi_path_filestat_get(w, mem, MEMSIZE, 3, 0, P("rel_link"), 128) == 0 && mem[128 + 16] == WASI_FILETYPE_SYMBOLIC_LINK,
      "%s: stat of the link itself is fine", tag);
    DENY(wasi_path_filestat_set_times(w, mem, MEMSIZE, 3, FOLLOW, P("abs_link"), 0, 0, WASI_FSTFLAG_MTIM), WASI_ENOTCAPABLE,
         "set times through abs_link");
    DENY(wasi_path_filestat_set_times(w, mem, MEMSIZE, 3, 0, P("dir_link/secret"), 0, 0, WASI_FSTFLAG_MTIM), WASI_ENOTCAPABLE,
         "set times on dir_link/secret");
    DENY(wasi_path_readlink(w, mem, MEMSIZE, 3, P("dir_link/x"), 200, 64, RET), WASI_ENOTCAPABLE, "readlink dir_link/x");
    uint32_t bad = galloc(8);
    memcpy(mem + bad, "file\0x", 6);
    DENY(wasi_path_unlink_file(w, mem, MEMSIZE, 3, bad, 6), WASI_EILSEQ, "a NUL inside a path");
    DENY(wasi_path_unlink_file(w, mem, MEMSIZE, 3, MEMSIZE - 2, 4), WASI_EFAULT, "a path past the end of memory");
    DENY(wasi_path_unlink_file(w, mem, MEMSIZE, 3, P("")), WASI_ENOENT, "an empty path");

    /* Inside is still usable: a positive control for all of the above. */
    T(wasi_path_create_directory(w, mem, MEMSIZE, 3, P("sub/up/made_dir")) == 0 && exists(tp("sandbox/made_dir")),
      "%s: mkdir sub/up/made_dir lands in the sandbox", tag);
    T(outside_intact(), "%s: outside/ is untouched", tag);
    struct stat st;
    T(lstat(tp("sandbox/file"), &st) == 0 && !strcmp(slurp(tp("sandbox/file")), "inside"), "%s: sandbox/file intact", tag);
    kiln_wasi_free(w);
    /* Reset what this round made. */
    rmdir(tp("sandbox/made_dir"));
    unlink(tp("sandbox/linkcopy"));
    unlink(tp("sandbox/made"));
}

int main(void) {
    make_tmp();
    seed();
    run(false);
    run(true);
    rm_tmp();
    TAP_DONE();
}
