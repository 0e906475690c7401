/* Directories: nested mkdir, listing (sorted: order is the host's),
 * rewinddir, rmdir of full and empty directories, stat of directories.
 * "." and ".." are left out of listings: kiln lists them (as wasmtime and
 * POSIX readdir do), Node's WASI does not.
 * run: /sandbox
 * dir: /sandbox
 * status: 0
 */
#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

static int cmp(const void *a, const void *b) { return strcmp(*(char *const *)a, *(char *const *)b); }

static int list(const char *path) {
    DIR *d = opendir(path);
    if (!d) { printf("opendir %s: %s\n", path, strerror(errno)); return -1; }
    char *names[64];
    int n = 0;
    struct dirent *e;
    while ((e = readdir(d)) && n < 64) {
        if (!strcmp(e->d_name, ".") || !strcmp(e->d_name, "..")) continue;
        char t = e->d_type == DT_DIR ? 'd' : e->d_type == DT_REG ? 'f' : e->d_type == DT_LNK ? 'l' : '?';
        char *s = malloc(strlen(e->d_name) + 3);
        sprintf(s, "%c %s", t, e->d_name);
        names[n++] = s;
    }
    rewinddir(d);
    int again = 0;
    while ((e = readdir(d))) again += strcmp(e->d_name, ".") && strcmp(e->d_name, "..");
    closedir(d);
    qsort(names, (size_t)n, sizeof *names, cmp);
    printf("%s: %d entries (%d after rewinddir)\n", path, n, again);
    for (int i = 0; i < n; i++) { printf("  %s\n", names[i]); free(names[i]); }
    return n;
}

int main(int argc, char **argv) {
    if (argc < 2 || chdir(argv[1]) != 0) { perror("chdir"); return 2; }
    printf("mkdir a: %d\n", mkdir("a", 0755));
    printf("mkdir a/b: %d\n", mkdir("a/b", 0755));
    printf("mkdir a/b/c: %d\n", mkdir("a/b/c", 0755));
    for (int i = 0; i < 20; i++) {
        char p[32];
        snprintf(p, sizeof p, "a/file%02d", i);
        FILE *f = fopen(p, "w");
        if (f) { fprintf(f, "%d", i); fclose(f); }
    }
    symlink("b", "a/link");
    list(".");
    list("a");
    list("a/b");
    struct stat st;
    printf("stat a/b: %d dir=%d\n", stat("a/b", &st), S_ISDIR(st.st_mode));
    int r = rmdir("a");
    printf("rmdir a: %s\n", r ? strerror(errno) : "ok");
    r = rmdir("a/b/c");
    printf("rmdir a/b/c: %s\n", r ? strerror(errno) : "ok");
    list("a/b");
    r = chdir("a/b");
    printf("chdir a/b: %d\n", r);
    list("..");
    return 0;
}
