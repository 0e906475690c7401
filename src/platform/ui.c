/* ui.c — the web UI (docs/ui.md): /ui serves index.html, /ui/FILE one of
 * the files embedded from ui/ at build time. These are static files with no
 * data in them: every figure the UI shows comes from the admin API under
 * /api/v1, which the browser calls with the token the user typed (the same
 * Authorization header the CLI sends). So /ui itself needs no token, and a
 * wrong or missing one gets the login form and nothing else.
 *
 * Files are looked up by exact name in the embedded table: nothing here
 * touches the file system, so no path can escape it. Every answer carries a
 * Content-Security-Policy that allows scripts, styles and requests from
 * this origin only: nothing loads from elsewhere, and an injected inline
 * script (were a module name ever rendered unescaped) would not run. */
#include <stdlib.h>
#include <string.h>

#include "platform/server.h"
#include "platform/ui.h"

static const char csp[] =
    "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self'; connect-src 'self'; "
    "base-uri 'none'; form-action 'none'; frame-ancestors 'none'";

static const char *content_type(const char *path) {
    const char *dot = strrchr(path, '.');
    if (!dot) return "application/octet-stream";
    if (!strcmp(dot, ".html")) return "text/html; charset=utf-8";
    if (!strcmp(dot, ".js")) return "text/javascript; charset=utf-8";
    if (!strcmp(dot, ".css")) return "text/css; charset=utf-8";
    if (!strcmp(dot, ".svg")) return "image/svg+xml";
    return "application/octet-stream";
}

static const ui_file *find(const char *name) {
    for (unsigned i = 0; i < ui_nfiles; i++)
        if (!strcmp(ui_files[i].path, name)) return &ui_files[i];
    return NULL;
}

void ui_handle(server *s, const http_request *rq, const char *path, http_reply *out) {
    (void)s;
    if (strcmp(rq->method, "GET") && strcmp(rq->method, "HEAD")) {
        reply_error(out, 405, "%s is not allowed here (allowed: GET, HEAD)", rq->method);
        reply_add_header(out, "Allow", "GET, HEAD");
        return;
    }
    const char *name = path[3] ? path + 4 : ""; /* after "/ui/" */
    if (!*name) name = "index.html";
    const ui_file *f = strchr(name, '/') ? NULL : find(name);
    if (!f) {
        reply_error(out, 404, "no file /ui/%.200s (the UI is at /ui)", name);
        return;
    }
    out->body = malloc(f->len ? f->len : 1);
    if (!out->body) {
        reply_error(out, 503, "out of memory");
        return;
    }
    memcpy(out->body, f->data, f->len);
    out->body_len = f->len;
    out->status = 200;
    out->content_type = content_type(f->path);
    reply_add_header(out, "Content-Security-Policy", csp);
    reply_add_header(out, "X-Content-Type-Options", "nosniff");
    reply_add_header(out, "X-Frame-Options", "DENY");
    reply_add_header(out, "Referrer-Policy", "no-referrer");
    /* Assets change with the binary: revalidate rather than serve a stale
     * app.js against a newer API. */
    reply_add_header(out, "Cache-Control", "no-cache");
}
