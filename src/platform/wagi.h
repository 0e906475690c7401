/* wagi.h — the WAGI (WebAssembly Gateway Interface) mapping between an HTTP
 * request and a WASI command, CGI-style:
 *
 *   in:  CGI variables and the request headers (HTTP_*) as the environment,
 *        the query parameters (split on '&', URL-decoded) as argv[1..],
 *        the request body on stdin;
 *   out: stdout is a CGI response: header lines (Content-Type, Status,
 *        Location, any others), a blank line, the body.
 *
 * Pure functions over memory: no HTTP library, no engine. */
#ifndef KILN_PLATFORM_WAGI_H
#define KILN_PLATFORM_WAGI_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

typedef struct wagi_kv {
    char *name;
    char *value;
} wagi_kv;

/* A growable list of strings. Those the list owns are packed into chunks
 * of its own (one allocation for a request's ~25 CGI variables, not one
 * each: a malloc and a free per string were a tenth of a hello-world
 * request's instructions); borrowed ones outlive it (a version's cached
 * environment). v is NULL-terminated. */
typedef struct wagi_chunk wagi_chunk;
typedef struct wagi_strs {
    char **v;
    size_t n, cap;
    size_t nborrowed;
    wagi_chunk *chunks;    /* the newest first */
} wagi_strs;

bool wagi_strs_add(wagi_strs *l, const char *s);
/* Appends s without copying it: s must outlive the list. */
bool wagi_strs_add_borrowed(wagi_strs *l, const char *s);
bool wagi_strs_addf(wagi_strs *l, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
void wagi_strs_free(wagi_strs *l);

typedef struct wagi_request {
    const char *method;
    const char *raw_path;      /* the request target's path, undecoded */
    const char *query;         /* after '?', undecoded; "" when none */
    const char *script_name;   /* the matched prefix, e.g. "/run/hello@v2" */
    const char *raw_path_info; /* the rest of raw_path after script_name */
    const char *matched_route; /* e.g. "/run/hello/..." */
    const char *host;          /* the Host header, or "" */
    const char *server_name, *server_port;
    const char *remote_addr;
    const char *content_type;  /* or NULL */
    uint64_t content_length;
    const wagi_kv *headers;    /* all request headers, as received */
    size_t nheaders;
    const char *module, *version; /* informational: X_KILN_MODULE/VERSION */
    const char *request_id;
} wagi_request;

/* Decodes %XX escapes (and '+' as a space when plus_is_space) into a new
 * string. Malformed escapes are kept as they are. NULL when out of memory. */
char *wagi_url_decode(const char *s, size_t len, bool plus_is_space);

/* The guest's environment ("NAME=value" strings). */
bool wagi_build_env(const wagi_request *r, wagi_strs *env);
/* The guest's argv: program name, then one entry per query parameter. */
bool wagi_build_args(const char *program, const char *query, wagi_strs *args);

typedef struct wagi_response {
    int status;
    wagi_kv *headers;  /* owned, to pass on (hop-by-hop ones removed) */
    size_t nheaders;
    const uint8_t *body; /* points into the parsed output */
    size_t body_len;
    char error[256];   /* why the output is not a CGI response */
    bool nomem;        /* ... or out of memory reading it (not the guest's fault) */
} wagi_response;

/* Parses a guest's stdout as a CGI response. Returns false (error filled)
 * when it does not begin with a header block, a header is malformed, or
 * none of Content-Type, Location or Status is present. */
bool wagi_parse_output(const uint8_t *out, size_t len, wagi_response *resp);
void wagi_response_free(wagi_response *resp);

#endif
