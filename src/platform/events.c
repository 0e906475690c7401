/* events.c — the server's log: one line on stdout per change an operator
 * wants to see scroll by or ship to a log collector (deploy, promote, pin,
 * unpin, rollback, auto-rollback, a refused deploy), as text or JSON
 * (--log-format). Requests are not logged here: /metrics counts them, and
 * a line per request would cost more than a hello-world request itself.
 *
 *   text  2026-12-04T15:40:01.123Z rollback module=hello alias=live from=v2 to=v1 actor=ada@box reason="v2 500s"
 *   json  {"time":"2026-12-04T15:40:01.123Z","event":"rollback","module":"hello","alias":"live",...}
 *
 * Text is logfmt: key=value, values quoted (with \" \\ \n escapes) when
 * they hold a space, a quote, '=' or a control character; keys are fixed
 * words. Lines are written whole under a lock, so worker threads never
 * interleave. */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "platform/server.h"

static pthread_mutex_t log_lock = PTHREAD_MUTEX_INITIALIZER;

static void now_iso(char out[32]) {
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    struct tm tm;
    gmtime_r(&ts.tv_sec, &tm);
    size_t n = strftime(out, 32, "%Y-%m-%dT%H:%M:%S", &tm);
    snprintf(out + n, 32 - n, ".%03ldZ", ts.tv_nsec / 1000000);
}

/* A growing line. On allocation failure the line is dropped, not the server. */
typedef struct line {
    char *p;
    size_t len, cap;
    bool oom;
} line;

static void put(line *l, const char *s, size_t n) {
    if (l->oom) return;
    if (l->len + n + 2 > l->cap) {
        size_t nc = l->cap ? l->cap * 2 : 256;
        while (nc < l->len + n + 2) nc *= 2;
        char *np = realloc(l->p, nc);
        if (!np) { l->oom = true; return; }
        l->p = np;
        l->cap = nc;
    }
    memcpy(l->p + l->len, s, n);
    l->len += n;
    l->p[l->len] = 0;
}

static void puts_(line *l, const char *s) { put(l, s, strlen(s)); }

static void put_value(line *l, const char *v) {
    bool quote = !*v;
    for (const unsigned char *p = (const unsigned char *)v; *p && !quote; p++)
        quote = *p <= ' ' || *p == '"' || *p == '=' || *p == '\\' || *p == 0x7f;
    if (!quote) { puts_(l, v); return; }
    puts_(l, "\"");
    for (const unsigned char *p = (const unsigned char *)v; *p; p++) {
        char esc[8];
        if (*p == '"' || *p == '\\') { esc[0] = '\\'; esc[1] = (char)*p; put(l, esc, 2); }
        else if (*p == '\n') puts_(l, "\\n");
        else if (*p < ' ' || *p == 0x7f) { snprintf(esc, sizeof esc, "\\x%02x", *p); puts_(l, esc); }
        else put(l, (const char *)p, 1);
    }
    puts_(l, "\"");
}

/* The line of an event whose own line could not be built: no allocation. */
static void write_fallback(server *s, const char *when, const char *event) {
    char buf[256];
    int n = s->cfg.log_json
                ? snprintf(buf, sizeof buf, "{\"time\":\"%s\",\"event\":\"%.100s\",\"incomplete\":\"out of memory\"}\n",
                           when, event)
                : snprintf(buf, sizeof buf, "%s %.100s incomplete=\"out of memory\"\n", when, event);
    if (n <= 0) return;
    pthread_mutex_lock(&log_lock);
    fwrite(buf, 1, (size_t)n < sizeof buf ? (size_t)n : sizeof buf - 1, stdout);
    fflush(stdout);
    pthread_mutex_unlock(&log_lock);
}

void server_log(server *s, const char *event, cJSON *fields, unsigned mark) {
    char when[32];
    now_iso(when);
    line l = {0};
    bool incomplete = pjson_failed_since(mark);
    if (s->cfg.log_json) {
        unsigned omark = pjson_mark(); /* the line's own tree */
        cJSON *o = cJSON_CreateObject();
        if (o) {
            cJSON_AddStringToObject(o, "time", when);
            cJSON_AddStringToObject(o, "event", event);
            cJSON *f = fields ? fields->child : NULL;
            while (f) {
                cJSON *next = f->next;
                cJSON_AddItemToObject(o, f->string, cJSON_Duplicate(f, true));
                f = next;
            }
            if (incomplete) cJSON_AddStringToObject(o, "incomplete", "out of memory");
        }
        char *text = o && !pjson_failed_since(omark) ? cJSON_PrintUnformatted(o) : NULL;
        cJSON_Delete(o);
        if (text) { puts_(&l, text); free(text); }
        else l.oom = true;
    } else {
        puts_(&l, when);
        puts_(&l, " ");
        puts_(&l, event);
        for (cJSON *f = fields ? fields->child : NULL; f; f = f->next) {
            char num[32];
            const char *v = NULL;
            if (cJSON_IsString(f)) v = f->valuestring;
            else if (cJSON_IsBool(f)) v = cJSON_IsTrue(f) ? "true" : "false";
            else if (cJSON_IsNumber(f)) { snprintf(num, sizeof num, "%.15g", f->valuedouble); v = num; }
            if (!v) continue;
            puts_(&l, " ");
            puts_(&l, f->string);
            puts_(&l, "=");
            put_value(&l, v);
        }
        if (incomplete) puts_(&l, " incomplete=\"out of memory\"");
    }
    cJSON_Delete(fields);
    if (l.oom || !l.p) { free(l.p); write_fallback(s, when, event); return; }
    puts_(&l, "\n");
    pthread_mutex_lock(&log_lock);
    fwrite(l.p, 1, l.len, stdout);
    fflush(stdout);
    pthread_mutex_unlock(&log_lock);
    free(l.p);
}

static void copy_str(cJSON *to, const char *key, const cJSON *from, const char *from_key) {
    const cJSON *v = from ? cJSON_GetObjectItem(from, from_key) : NULL;
    if (cJSON_IsString(v)) cJSON_AddStringToObject(to, key, v->valuestring);
}

void server_log_change(server *s, const char *event, const char *module, const char *actor, const char *reason,
                       const cJSON *res) {
    unsigned fmark = pjson_mark(); /* server_log: were the fields built whole? */
    cJSON *f = cJSON_CreateObject(); /* NULL: the line says incomplete */
    cJSON_AddStringToObject(f, "module", module);
    if (!strcmp(event, "deploy")) {
        /* reg_add_version's answer: version, digest, promoted, previous_live */
        copy_str(f, "version", res, "version");
        copy_str(f, "digest", res, "digest");
        if (cJSON_IsTrue(cJSON_GetObjectItem(res, "promoted"))) {
            cJSON_AddStringToObject(f, "alias", "live");
            copy_str(f, "from", res, "previous_live");
            copy_str(f, "to", res, "version");
        }
    } else {
        /* an alias change: module, alias, from, to, changed */
        copy_str(f, "alias", res, "alias");
        copy_str(f, "from", res, "from");
        copy_str(f, "to", res, "to");
        const cJSON *changed = res ? cJSON_GetObjectItem(res, "changed") : NULL;
        if (cJSON_IsFalse(changed)) cJSON_AddBoolToObject(f, "changed", false);
    }
    if (actor && *actor) cJSON_AddStringToObject(f, "actor", actor);
    if (reason && *reason) cJSON_AddStringToObject(f, "reason", reason);
    server_log(s, event, f, fmark);
}
