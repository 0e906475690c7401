/* __NAME__: an HTTP handler for kiln serve (WAGI). The request arrives as
 * environment variables (REQUEST_METHOD, PATH_INFO, ...), its query
 * parameters as arguments ("name=ada"), its body on stdin; the answer is CGI
 * headers, a blank line, then the body, on stdout. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int main(int argc, char **argv) {
    const char *name = "world";
    for (int i = 1; i < argc; i++)
        if (!strncmp(argv[i], "name=", 5) && argv[i][5]) name = argv[i] + 5;
    const char *path = getenv("PATH_INFO");
    printf("Content-Type: text/plain; charset=utf-8\n\n");
    printf("Hello, %s, from __NAME__ (%s)!\n", name, path && *path ? path : "/");
    return 0;
}
