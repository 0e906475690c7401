/* Standard input: read it all, count it, echo it back transformed.
 * run:
 * stdin: Hello, kiln!\nsecond line\n\nfourth line without newline
 * status: 0
 */
#include <ctype.h>
#include <stdio.h>

int main(void) {
    int c, bytes = 0, lines = 0;
    while ((c = getchar()) != EOF) {
        bytes++;
        if (c == '\n') lines++;
        putchar(toupper(c));
    }
    printf("\n%d bytes, %d newlines, eof=%d\n", bytes, lines, feof(stdin) != 0);
    return 0;
}
