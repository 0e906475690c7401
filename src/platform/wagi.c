/* wagi.c — CGI variables in, CGI response out (see wagi.h). */
#define _GNU_SOURCE /* vasprintf */
#include <ctype.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "platform/wagi.h"

struct wagi_chunk {
    wagi_chunk *next;
    size_t used, cap;
    char data[];
};

/* Room for len bytes in l's chunks (a new chunk when the newest is full);
 * NULL when out of memory. */
static char *reserve(wagi_strs *l, size_t len) {
    wagi_chunk *c = l->chunks;
    if (!c || c->cap - c->used < len) {
        size_t cap = len > 2048 ? len : 2048;
        if (!(c = malloc(sizeof *c + cap))) return NULL;
        c->next = l->chunks;
        c->used = 0;
        c->cap = cap;
        l->chunks = c;
    }
    char *p = c->data + c->used;
    c->used += len;
    return p;
}

static bool push(wagi_strs *l, char *s) {
    if (l->n + 1 >= l->cap) {
        size_t cap = l->cap ? l->cap * 2 : 32;
        char **nv = realloc(l->v, cap * sizeof *nv);
        if (!nv) return false;
        l->v = nv;
        l->cap = cap;
    }
    l->v[l->n++] = s;
    l->v[l->n] = NULL;
    return true;
}

/* Appends the concatenation of n parts, copied into l's chunks. */
static bool add_parts(wagi_strs *l, const char *const *parts, size_t n) {
    size_t len[8], total = 1;
    for (size_t i = 0; i < n; i++) total += len[i] = strlen(parts[i]);
    char *c = reserve(l, total), *o = c;
    if (!c) return false;
    for (size_t i = 0; i < n; i++) { memcpy(o, parts[i], len[i]); o += len[i]; }
    *o = 0;
    return push(l, c);
}

bool wagi_strs_add(wagi_strs *l, const char *s) { return add_parts(l, &s, 1); }

bool wagi_strs_add_borrowed(wagi_strs *l, const char *s) {
    if (!push(l, (char *)s)) return false;
    l->nborrowed++;
    return true;
}

/* "NAME=value" without printf: a request builds ~20 of these, and
 * vasprintf was a sixth of a hello-world request's instructions. */
static bool add_kv(wagi_strs *l, const char *name, const char *value) {
    const char *parts[3] = {name, "=", value};
    return add_parts(l, parts, 3);
}

bool wagi_strs_addf(wagi_strs *l, const char *fmt, ...) {
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(NULL, 0, fmt, ap);
    va_end(ap);
    if (n < 0) return false;
    char *c = reserve(l, (size_t)n + 1);
    if (!c) return false;
    va_start(ap, fmt);
    vsnprintf(c, (size_t)n + 1, fmt, ap);
    va_end(ap);
    return push(l, c);
}

void wagi_strs_free(wagi_strs *l) {
    for (wagi_chunk *c = l->chunks, *next; c; c = next) {
        next = c->next;
        free(c);
    }
    free(l->v);
    memset(l, 0, sizeof *l);
}

static int hexval(char c) {
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    if (c >= 'A' && c <= 'F') return c - 'A' + 10;
    return -1;
}

char *wagi_url_decode(const char *s, size_t len, bool plus_is_space) {
    char *out = malloc(len + 1), *o = out;
    if (!out) return NULL;
    for (size_t i = 0; i < len; i++) {
        int h, l;
        if (s[i] == '%' && i + 2 < len && (h = hexval(s[i + 1])) >= 0 && (l = hexval(s[i + 2])) >= 0) {
            *o++ = (char)(h * 16 + l);
            i += 2;
        } else if (s[i] == '+' && plus_is_space) {
            *o++ = ' ';
        } else {
            *o++ = s[i];
        }
    }
    *o = 0;
    return out;
}

bool wagi_build_env(const wagi_request *r, wagi_strs *env) {
    char *path_info = wagi_url_decode(r->raw_path_info, strlen(r->raw_path_info), false);
    if (!path_info) return false;
    const char *scheme = "http";
    bool ok = add_kv(env, "REQUEST_METHOD", r->method) &&
              add_kv(env, "GATEWAY_INTERFACE", "CGI/1.1") &&
              add_kv(env, "SERVER_PROTOCOL", "HTTP/1.1") &&
              add_kv(env, "SERVER_SOFTWARE", "kiln") &&
              add_kv(env, "SERVER_NAME", r->server_name) &&
              add_kv(env, "SERVER_PORT", r->server_port) &&
              add_kv(env, "SCRIPT_NAME", r->script_name) &&
              add_kv(env, "PATH_INFO", path_info) &&
              add_kv(env, "PATH_TRANSLATED", path_info) &&
              add_kv(env, "X_RAW_PATH_INFO", r->raw_path_info) &&
              add_kv(env, "QUERY_STRING", r->query) &&
              add_kv(env, "REMOTE_ADDR", r->remote_addr) &&
              add_kv(env, "REMOTE_HOST", r->remote_addr) &&
              add_kv(env, "X_MATCHED_ROUTE", r->matched_route) &&
              add_parts(env, (const char *const[]){"X_FULL_URL=", scheme, "://",
                                                   r->host && *r->host ? r->host : r->server_name, r->raw_path,
                                                   *r->query ? "?" : "", r->query}, 7) &&
              add_kv(env, "X_KILN_MODULE", r->module) &&
              add_kv(env, "X_KILN_VERSION", r->version) &&
              add_kv(env, "X_REQUEST_ID", r->request_id);
    free(path_info);
    if (!ok) return false;
    /* CGI gives the body's type and length as their own variables (always,
     * so a guest can rely on CONTENT_LENGTH), not as HTTP_ ones. */
    char clen[24], *d = clen + sizeof clen;
    uint64_t cl = r->content_length;
    *--d = 0;
    do *--d = (char)('0' + cl % 10); while (cl /= 10);
    if (!add_kv(env, "CONTENT_TYPE", r->content_type ? r->content_type : "") || !add_kv(env, "CONTENT_LENGTH", d))
        return false;
    for (size_t i = 0; i < r->nheaders; i++) {
        const char *n = r->headers[i].name;
        if (!strcasecmp(n, "Content-Type") || !strcasecmp(n, "Content-Length")) continue;
        size_t len = strlen(n), vlen = strlen(r->headers[i].value);
        if (len > SIZE_MAX / 2 - vlen) return false;
        char *var = reserve(env, len + vlen + 7);
        if (!var) return false;
        memcpy(var, "HTTP_", 5);
        for (size_t k = 0; k < len; k++) {
            unsigned char c = (unsigned char)n[k];
            var[5 + k] = isalnum(c) ? (char)toupper(c) : '_';
        }
        var[5 + len] = '=';
        memcpy(var + 6 + len, r->headers[i].value, vlen + 1);
        if (!push(env, var)) return false;
    }
    return true;
}

bool wagi_build_args(const char *program, const char *query, wagi_strs *args) {
    if (!wagi_strs_add(args, program)) return false;
    const char *p = query;
    while (*p) {
        const char *amp = strchr(p, '&');
        size_t len = amp ? (size_t)(amp - p) : strlen(p);
        if (len) {
            char *arg = wagi_url_decode(p, len, true);
            if (!arg) return false;
            bool ok = wagi_strs_add(args, arg);
            free(arg);
            if (!ok) return false;
        }
        p += len + (amp ? 1 : 0);
    }
    return true;
}

/* ---------------------------------------------------------------- output */

static bool token_char(unsigned char c) {
    return isalnum(c) || strchr("!#$%&'*+-.^_`|~", c);
}

/* Headers the server manages itself; a guest's copy would conflict. */
static bool hop_by_hop(const char *n) {
    static const char *const names[] = {"Connection", "Keep-Alive", "Transfer-Encoding", "Content-Length",
                                        "Upgrade", "Trailer", "TE", "Proxy-Connection", "Status"};
    for (size_t i = 0; i < sizeof names / sizeof names[0]; i++)
        if (!strcasecmp(n, names[i])) return true;
    return false;
}

static bool fail(wagi_response *resp, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static bool fail(wagi_response *resp, const char *fmt, ...) {
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(resp->error, sizeof resp->error, fmt, ap);
    va_end(ap);
    wagi_response_free(resp);
    return false;
}

bool wagi_parse_output(const uint8_t *out, size_t len, wagi_response *resp) {
    memset(resp, 0, sizeof *resp);
    const char *p = (const char *)out, *end = p + len;
    bool have_type = false, have_location = false, have_status = false;
    int status = 200;
    size_t cap = 0;
    for (int lineno = 1;; lineno++) {
        if (p >= end) {
            /* Output ended inside the header block: a CGI response needs the
             * blank line, but a header-only response is unambiguous. */
            if (lineno == 1) return fail(resp, "the module wrote nothing to stdout: a WAGI module must print "
                                               "CGI headers (e.g. \"Content-Type: text/plain\"), a blank line, "
                                               "then the body");
            break;
        }
        const char *nl = memchr(p, '\n', (size_t)(end - p));
        const char *le = nl ? nl : end;
        const char *next = nl ? nl + 1 : end;
        if (le > p && le[-1] == '\r') le--;
        if (le == p) { p = next; break; } /* the blank line */
        const char *colon = memchr(p, ':', (size_t)(le - p));
        const char *q = p;
        while (q < (colon ? colon : le) && token_char((unsigned char)*q)) q++;
        if (!colon || colon == p || q != colon) {
            int shown = (int)(le - p) > 60 ? 60 : (int)(le - p);
            char preview[64];
            for (int i = 0; i < shown; i++) preview[i] = isprint((unsigned char)p[i]) ? p[i] : '?';
            preview[shown] = 0;
            if (lineno == 1)
                return fail(resp, "the module's output does not begin with CGI headers: its first line is "
                                  "\"%s\"; a WAGI module must print headers (e.g. \"Content-Type: text/plain\"), "
                                  "a blank line, then the body", preview);
            return fail(resp, "line %d of the module's CGI headers is not \"Name: value\": \"%s\" (is the blank "
                              "line between headers and body missing?)", lineno, preview);
        }
        const char *v = colon + 1;
        while (v < le && (*v == ' ' || *v == '\t')) v++;
        const char *ve = le;
        while (ve > v && (ve[-1] == ' ' || ve[-1] == '\t')) ve--;
        char *name = strndup(p, (size_t)(colon - p));
        char *value = strndup(v, (size_t)(ve - v));
        if (!name || !value) { free(name); free(value); resp->nomem = true; return fail(resp, "out of memory"); }
        if (!strcasecmp(name, "Status")) {
            char *e;
            long code = strtol(value, &e, 10);
            if (e == value || code < 100 || code > 999 || (*e && *e != ' ')) {
                char msg[80];
                snprintf(msg, sizeof msg, "%.60s", value);
                free(name); free(value);
                return fail(resp, "the module's Status header \"%s\" is not a status code", msg);
            }
            /* A 1xx is interim: sent as the final response it would leave
             * the client (or a proxy) waiting for another response, or
             * switch protocols on it (101). 600-999 are not HTTP. */
            if (code < 200 || code > 599) {
                free(name); free(value);
                return fail(resp, "the module's Status header \"%ld\" is %s: a WAGI response needs a final "
                                  "status, 200 to 599", code,
                            code < 200 ? "an informational (1xx) status, which cannot end a response"
                                       : "not an HTTP status");
            }
            status = (int)code;
            have_status = true;
        } else if (!strcasecmp(name, "Content-Type")) {
            have_type = true;
        } else if (!strcasecmp(name, "Location")) {
            have_location = true;
        }
        if (hop_by_hop(name)) { free(name); free(value); p = next; continue; }
        if (resp->nheaders == cap) {
            cap = cap ? cap * 2 : 8;
            wagi_kv *nh = realloc(resp->headers, cap * sizeof *nh);
            if (!nh) { free(name); free(value); resp->nomem = true; return fail(resp, "out of memory"); }
            resp->headers = nh;
        }
        resp->headers[resp->nheaders++] = (wagi_kv){name, value};
        p = next;
    }
    if (!have_type && !have_location && !have_status)
        return fail(resp, "the module's CGI headers name none of Content-Type, Location or Status");
    /* CGI: a Location without a Status is a redirect. */
    if (have_location && !have_status) status = 302;
    resp->status = status;
    resp->body = (const uint8_t *)p;
    resp->body_len = (size_t)(end - p);
    return true;
}

void wagi_response_free(wagi_response *resp) {
    for (size_t i = 0; i < resp->nheaders; i++) {
        free(resp->headers[i].name);
        free(resp->headers[i].value);
    }
    free(resp->headers);
    resp->headers = NULL;
    resp->nheaders = 0;
}
