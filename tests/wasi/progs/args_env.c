/* Arguments and environment as the guest sees them.
 * run: one "two words" "" --dash
 * run:
 * env: GREETING=hello EMPTY= PATHLIKE=/a:/b
 * status: 0
 */
#include <stdio.h>
#include <stdlib.h>

extern char **environ;

int main(int argc, char **argv) {
    printf("argc=%d\n", argc);
    for (int i = 1; i < argc; i++) printf("argv[%d]=[%s]\n", i, argv[i]);
    const char *names[] = {"GREETING", "EMPTY", "PATHLIKE", "HOME", "PATH"};
    for (int i = 0; i < 5; i++) {
        const char *v = getenv(names[i]);
        printf("%s=%s\n", names[i], v ? v : "(unset)");
    }
    int n = 0;
    for (char **e = environ; *e; e++) n++;
    printf("environ has %d entries\n", n);
    return 0;
}
