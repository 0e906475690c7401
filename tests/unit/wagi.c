/* Unit tests of src/platform/wagi.c's environment and argv: every CGI
 * variable and HTTP_ header as it should read, with more strings than the
 * list's first array and values longer than its first chunk of storage. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "platform/wagi.h"
#include "tap.h"

static const char *find(const wagi_strs *l, const char *name) {
    size_t n = strlen(name);
    for (size_t i = 0; i < l->n; i++)
        if (!strncmp(l->v[i], name, n) && l->v[i][n] == '=') return l->v[i] + n + 1;
    return NULL;
}

static int eq(const wagi_strs *l, const char *name, const char *want) {
    const char *v = find(l, name);
    if (v && !strcmp(v, want)) return 1;
    printf("# %s is '%s', not '%s'\n", name, v ? v : "(absent)", want);
    return 0;
}

int main(void) {
    enum { NH = 60 };
    static char names[NH][24], values[NH][24];
    static char big[5000];
    wagi_kv h[NH + 3];
    size_t nh = 0;
    for (int i = 0; i < NH; i++) {
        snprintf(names[i], sizeof names[i], "X-Hdr-%d", i);
        snprintf(values[i], sizeof values[i], "value %d", i);
        h[nh++] = (wagi_kv){names[i], values[i]};
    }
    memset(big, 'b', sizeof big - 1);
    h[nh++] = (wagi_kv){"X-Big.One", big};
    h[nh++] = (wagi_kv){"Content-Type", "text/plain"};
    h[nh++] = (wagi_kv){"Host", "example.test:8080"};
    wagi_request r = {
        .method = "POST", .raw_path = "/run/hello@v2/a%20b", .query = "x=1&y=a%20b", .script_name = "/run/hello@v2",
        .raw_path_info = "/a%20b", .matched_route = "/run/hello@v2/...", .host = "example.test:8080",
        .server_name = "127.0.0.1", .server_port = "8080", .remote_addr = "10.1.2.3", .content_type = "text/plain",
        .content_length = 18446744073709551615ull, .headers = h, .nheaders = nh, .module = "hello", .version = "v2",
        .request_id = "0123456789abcdef",
    };
    wagi_strs env = {0};
    CHECK(wagi_build_env(&r, &env), "the environment is built");
    CHECK(env.n == 20 + NH + 2 && env.v[env.n] == NULL, "%zu strings, NULL-terminated", env.n);
    CHECK(eq(&env, "REQUEST_METHOD", "POST") && eq(&env, "SCRIPT_NAME", "/run/hello@v2") &&
              eq(&env, "PATH_INFO", "/a b") && eq(&env, "X_RAW_PATH_INFO", "/a%20b") &&
              eq(&env, "QUERY_STRING", "x=1&y=a%20b") && eq(&env, "REMOTE_ADDR", "10.1.2.3") &&
              eq(&env, "X_MATCHED_ROUTE", "/run/hello@v2/...") && eq(&env, "X_KILN_VERSION", "v2") &&
              eq(&env, "X_REQUEST_ID", "0123456789abcdef"),
          "CGI variables");
    CHECK(eq(&env, "X_FULL_URL", "http://example.test:8080/run/hello@v2/a%20b?x=1&y=a%20b"), "X_FULL_URL");
    CHECK(eq(&env, "CONTENT_LENGTH", "18446744073709551615") && eq(&env, "CONTENT_TYPE", "text/plain") &&
              !find(&env, "HTTP_CONTENT_TYPE"),
          "CONTENT_LENGTH (the largest) and CONTENT_TYPE, not as HTTP_ ones");
    int hdrs = 0;
    for (int i = 0; i < NH; i++) {
        char var[32];
        snprintf(var, sizeof var, "HTTP_X_HDR_%d", i);
        hdrs += eq(&env, var, values[i]);
    }
    CHECK(hdrs == NH, "%d HTTP_ headers of %d", hdrs, NH);
    CHECK(eq(&env, "HTTP_X_BIG_ONE", big) && eq(&env, "HTTP_HOST", "example.test:8080"),
          "a %zu-byte header value, whole", strlen(big));
    wagi_strs_free(&env);

    r.query = "";
    r.host = "";
    r.content_length = 0;
    r.nheaders = 0;
    CHECK(wagi_build_env(&r, &env) && eq(&env, "X_FULL_URL", "http://127.0.0.1/run/hello@v2/a%20b") &&
              eq(&env, "CONTENT_LENGTH", "0"),
          "no query, no Host: X_FULL_URL from the server name; CONTENT_LENGTH 0");
    static const char lent[] = "API_KEY=secret";
    CHECK(wagi_strs_add_borrowed(&env, lent) && env.v[env.n - 1] == lent && eq(&env, "API_KEY", "secret") &&
              wagi_strs_add(&env, "LATE=1") && eq(&env, "LATE", "1"),
          "a borrowed string is lent, not copied");
    wagi_strs_free(&env);

    wagi_strs args = {0};
    CHECK(wagi_build_args("hello", "a=1&&b+c&%41", &args) && args.n == 4 && !strcmp(args.v[0], "hello") &&
              !strcmp(args.v[1], "a=1") && !strcmp(args.v[2], "b c") && !strcmp(args.v[3], "A") && !args.v[4],
          "argv: the program, then each query parameter decoded");
    wagi_strs_free(&args);
    CHECK(wagi_strs_addf(&args, "%s-%d", "n", 42) && !strcmp(args.v[0], "n-42"), "wagi_strs_addf");
    wagi_strs_free(&args);
    TAP_DONE();
}
