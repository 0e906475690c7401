/* Files in a preopened directory: create, write, read, seek, stat,
 * truncate, append, rename, link, symlink, unlink, and the errors of
 * each done wrong.
 * run: /sandbox
 * dir: /sandbox
 * status: 0
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

static void check(const char *what, int rc) {
    printf("%-28s %s\n", what, rc < 0 ? strerror(errno) : "ok");
}

int main(int argc, char **argv) {
    if (argc < 2 || chdir(argv[1]) != 0) { perror("chdir"); return 2; }
    FILE *f = fopen("notes.txt", "w");
    if (!f) { perror("fopen"); return 1; }
    for (int i = 0; i < 100; i++) fprintf(f, "line %03d\n", i);
    fclose(f);

    struct stat st;
    check("stat notes.txt", stat("notes.txt", &st));
    printf("size=%lld regular=%d nlink=%d\n", (long long)st.st_size, S_ISREG(st.st_mode), (int)st.st_nlink);

    int fd = open("notes.txt", O_RDWR);
    check("open O_RDWR", fd);
    char buf[32] = {0};
    printf("lseek SET 450 -> %lld\n", (long long)lseek(fd, 450, SEEK_SET));
    printf("read -> %zd [%.9s]\n", read(fd, buf, 9), buf);
    printf("lseek CUR -18 -> %lld\n", (long long)lseek(fd, -18, SEEK_CUR));
    printf("lseek END 0 -> %lld\n", (long long)lseek(fd, 0, SEEK_END));
    printf("pwrite -> %zd\n", pwrite(fd, "LINE", 4, 0));
    memset(buf, 0, sizeof buf);
    printf("pread -> %zd [%.9s]\n", pread(fd, buf, 9, 0), buf);
    check("ftruncate 20", ftruncate(fd, 20));
    fstat(fd, &st);
    printf("size after truncate=%lld\n", (long long)st.st_size);
    close(fd);

    fd = open("notes.txt", O_WRONLY | O_APPEND);
    check("open O_APPEND", fd);
    lseek(fd, 0, SEEK_SET);
    printf("append write -> %zd\n", write(fd, "tail\n", 5));
    close(fd);
    stat("notes.txt", &st);
    printf("size after append=%lld\n", (long long)st.st_size);

    check("rename", rename("notes.txt", "renamed.txt"));
    check("stat old name", stat("notes.txt", &st));
    check("link", link("renamed.txt", "hard.txt"));
    stat("renamed.txt", &st);
    printf("nlink=%d\n", (int)st.st_nlink);
    check("symlink", symlink("renamed.txt", "soft"));
    char target[64] = {0};
    printf("readlink -> %zd [%s]\n", readlink("soft", target, sizeof target - 1), target);
    check("lstat soft", lstat("soft", &st));
    printf("soft is link=%d\n", S_ISLNK(st.st_mode));
    check("stat soft", stat("soft", &st));
    printf("soft target size=%lld\n", (long long)st.st_size);

    /* The errors. */
    check("open missing", open("missing", O_RDONLY));
    check("open O_CREAT|O_EXCL", open("renamed.txt", O_CREAT | O_EXCL | O_WRONLY, 0644));
    check("open file/x", open("renamed.txt/x", O_RDONLY));
    check("unlink missing", unlink("missing"));
    check("mkdir existing", mkdir("renamed.txt", 0755));
    check("rmdir a file", rmdir("renamed.txt"));

    check("unlink soft", unlink("soft"));
    check("unlink hard", unlink("hard.txt"));
    f = fopen("renamed.txt", "r");
    char line[64];
    while (f && fgets(line, sizeof line, f)) printf("> %s", line);
    if (f) fclose(f);
    return 0;
}
