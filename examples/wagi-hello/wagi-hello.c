/* wagi-hello.c — the smallest `kiln serve` guest: a WAGI program.
 *
 * kiln serve runs a WASI command per request (WAGI, the WebAssembly take on
 * CGI): the request's method, path and headers arrive as environment
 * variables, its query parameters as arguments ("name=ada"), its body on
 * stdin; the program answers on stdout with CGI headers, a blank line and
 * the body (docs/serve.md, "HTTP").
 *
 *   make examples
 *   kiln serve --data ./kiln-data --listen 127.0.0.1:8080 &
 *   kiln deploy build/examples/wagi-hello.wasm --name hello --promote
 *   curl 'http://127.0.0.1:8080/run/hello/greet?name=ada'
 *
 * answers
 *
 *   Hello, ada!
 *   GET /greet, served by hello v1
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const char *env(const char *name, const char *dflt) {
    const char *v = getenv(name);
    return v && *v ? v : dflt;
}

int main(int argc, char **argv) {
    const char *name = "world";
    for (int i = 1; i < argc; i++)
        if (!strncmp(argv[i], "name=", 5) && argv[i][5]) name = argv[i] + 5;

    /* The CGI header block: at least a Content-Type, then a blank line. A
     * "Status: 404 Not Found" line here would set the status (200 without). */
    printf("Content-Type: text/plain; charset=utf-8\n");
    printf("\n");

    printf("Hello, %s!\n", name);
    printf("%s %s, served by %s %s\n", env("REQUEST_METHOD", "GET"), env("PATH_INFO", "/"),
           env("X_KILN_MODULE", "?"), env("X_KILN_VERSION", "?"));
    return 0;
}
