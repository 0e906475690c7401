/* Randomness and descriptors: getentropy, arc4random, isatty, and fstat
 * of the standard streams.
 * run:
 * status: 0
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

int main(void) {
    unsigned char a[32], b[32];
    printf("getentropy: %d %d\n", getentropy(a, sizeof a), getentropy(b, sizeof b));
    printf("two draws differ: %d\n", memcmp(a, b, sizeof a) != 0);
    int zeros = 0;
    for (int i = 0; i < 32; i++) zeros += a[i] == 0;
    printf("not all zero: %d\n", zeros < 32);
    printf("arc4random_uniform(10) < 10: %d\n", arc4random_uniform(10) < 10);
    printf("stdin is a tty: %d\n", isatty(0));
    printf("fd 9 fstat fails: %d\n", fstat(9, &(struct stat){0}) != 0);
    return 0;
}
