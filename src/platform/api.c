/* api.c — the admin API under /api/v1/ (bearer token checked by http.c).
 * Every answer is JSON; every error is {"error": "...", "status": N}.
 *
 *   GET  modules                          all modules, their aliases
 *   GET  modules/NAME                     one module
 *   POST modules/NAME/versions            deploy: the body is the .wasm;
 *        ?commit=&commit_time=&message=&reason=&promote=1&force=1&auto_rollback=RULE
 *        &fuel=N&timeout_ms=N&max_memory=BYTES
 *   GET  modules/NAME/versions            the versions [?limit=N&offset=M&order=desc: a page]
 *   GET  modules/NAME/history[?limit=N]   alias changes, oldest first
 *   GET  modules/NAME/traps[?limit=N]     trap reports, newest first
 *   GET  modules/NAME/errors[?limit=N]    every 5xx: traps and the other failures (kind), newest first
 *   GET  modules/NAME/traps/groups[?limit=N], errors/groups
 *                                         the newest N (500) grouped by kind and top frame: trapgroups.h
 *   GET  modules/NAME/logs[?limit=N&after=SEQ&version=vN&status=5xx&since=10m&request=ID]
 *                                         request lines with stderr: {"lines":[oldest first],"next":SEQ}
 *   POST modules/NAME/promote|pin         {"version":"v2","alias":"live","reason":"...","force":false}
 *   POST modules/NAME/unpin               {"alias":"live","reason":"..."}
 *   POST modules/NAME/rollback            {"to":"v1","alias":"live","reason":"...","force":false}
 *   modules/NAME/rollout[/abort]          gradual rollouts: rollout.c
 *   GET  rollouts                         the running rollouts of every module (the UI's modules page)
 *   GET|POST|DELETE routes                {"prefix":"/thumbs","module":"imgproc"}: path prefixes served by a
 *                                         module's live version
 *   GET  stats/timings[?reset=1]          per-phase request time percentiles
 *   cost, dora, modules/NAME/{cost,dora,policy,mark-failed}: delivery.h
 *   series, modules/NAME/series: usage over time for charts, series.h
 *
 * The actor recorded in versions and history is the X-Kiln-Actor header
 * (the CLI sends user@host), "api" when absent. */
#include <ctype.h>
#include <inttypes.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "kiln_meter.h"
#include <openssl/evp.h>

#include "platform/delivery.h"
#include "platform/delivery_calc.h"
#include "platform/listpage.h"
#include "platform/series.h"
#include "platform/server.h"
#include "platform/vconfig.h"
#include "platform/sha256.h"
#include "platform/trapgroups.h"

/* Deploys are serialised: a refused deploy removes the blob it wrote, which
 * is only safe when no other deploy of the same bytes is between writing
 * and committing. Deploys are rare; requests are never blocked by this. */
static pthread_mutex_t deploy_lock = PTHREAD_MUTEX_INITIALIZER;

static void actor_of(const http_request *rq, char out[129]) {
    const char *a = http_header(rq, "X-Kiln-Actor");
    if (!a || !*a) a = "api";
    size_t i = 0;
    for (; a[i] && i < 128; i++) out[i] = isprint((unsigned char)a[i]) ? a[i] : '?';
    out[i] = 0;
}

static bool arg_bool(const http_request *rq, const char *name) {
    const char *v = http_arg(rq, name);
    return v && (!strcmp(v, "1") || !strcmp(v, "true") || !strcmp(v, "yes") || !*v);
}

/* A non-negative integer argument of at most max. *present tells whether
 * it was given. Out of range is an error, never a wrap or a saturation:
 * a limit that overflows where it is used becomes no limit. */
static bool arg_u64(const http_request *rq, const char *name, uint64_t max, const char *why_max, uint64_t *out,
                    bool *present, http_reply *r) {
    const char *v = http_arg(rq, name);
    *present = v != NULL;
    if (!v) return true;
    uint64_t n = 0;
    const char *p = v;
    for (; isdigit((unsigned char)*p); p++) {
        unsigned d = (unsigned)(*p - '0');
        if (n > (max - d) / 10) {
            reply_error(r, 400, "'%s' is %.40s%s, more than %llu (%s)", name, v, strlen(v) > 40 ? "..." : "",
                        (unsigned long long)max, why_max);
            return false;
        }
        n = n * 10 + d;
    }
    if (p == v || *p) {
        reply_error(r, 400, "'%s' must be a non-negative integer, not '%.40s'", name, v);
        return false;
    }
    *out = n;
    return true;
}

/* Loose ISO 8601: YYYY-MM-DD, then optionally THH:MM[:SS[.frac]] and a zone. */
static bool iso8601_ok(const char *s) {
    const char *p = s;
    for (int i = 0; i < 10; i++, p++) {
        if (i == 4 || i == 7) { if (*p != '-') return false; }
        else if (!isdigit((unsigned char)*p)) return false;
    }
    if (!*p) return true;
    if (*p != 'T' && *p != ' ') return false;
    p++;
    if (!isdigit((unsigned char)p[0]) || !isdigit((unsigned char)p[1]) || p[2] != ':' ||
        !isdigit((unsigned char)p[3]) || !isdigit((unsigned char)p[4]))
        return false;
    p += 5;
    if (*p == ':') {
        if (!isdigit((unsigned char)p[1]) || !isdigit((unsigned char)p[2])) return false;
        p += 3;
        if (*p == '.') { p++; if (!isdigit((unsigned char)*p)) return false; while (isdigit((unsigned char)*p)) p++; }
    }
    if (*p == 'Z') return p[1] == 0;
    if (*p == '+' || *p == '-') {
        p++;
        if (!isdigit((unsigned char)p[0]) || !isdigit((unsigned char)p[1])) return false;
        p += 2;
        if (*p == ':') p++;
        if (*p && (!isdigit((unsigned char)p[0]) || !isdigit((unsigned char)p[1]) || p[2])) return false;
        return true;
    }
    return *p == 0;
}

static bool text_arg(const http_request *rq, const char *name, size_t max, const char **out, http_reply *r) {
    *out = http_arg(rq, name);
    if (*out && strlen(*out) > max) {
        reply_error(r, 400, "'%s' is longer than %zu characters", name, max);
        return false;
    }
    return true;
}

/* ---------------------------------------------------------------- deploy */

/* What deploy_config allocates; freed by deploy() whatever happened. */
typedef struct deploy_cfg {
    char *env_json, *names_json;
    uint8_t *sealed;
} deploy_cfg;

static bool deploy_config(server *s, const http_request *rq, const char *name, reg_deploy *d, deploy_cfg *c,
                          http_reply *r) {
    const char *h = http_header(rq, "X-Kiln-Config");
    if (!h) return true;
    size_t hl = strlen(h);
    if (hl > VCONFIG_MAX_BYTES * 4 / 3 + 8) {
        reply_error(r, 413, "X-Kiln-Config is larger than %d bytes of configuration", VCONFIG_MAX_BYTES);
        return false;
    }
    unsigned char *raw = malloc(hl / 4 * 3 + 4);
    if (!raw) { reply_error(r, 503, "out of memory"); return false; }
    int n = hl % 4 ? -1 : EVP_DecodeBlock(raw, (const unsigned char *)h, (int)hl);
    if (n >= 0) { /* DecodeBlock counts the padding's zero bytes */
        if (hl >= 1 && h[hl - 1] == '=') n--;
        if (hl >= 2 && h[hl - 2] == '=') n--;
    }
    unsigned mark = pjson_mark();
    cJSON *cfg = n >= 0 ? pjson_checked(cJSON_ParseWithLength((const char *)raw, (size_t)n), mark) : NULL;
    memset(raw, 0, hl / 4 * 3 + 4);
    free(raw);
    perr e = {0};
    if (pjson_failed_since(mark)) {
        reply_error(r, 503, "out of memory reading X-Kiln-Config: try again");
        return false;
    }
    if (!cfg) {
        reply_error(r, 400, "X-Kiln-Config must be base64 of a JSON object {\"env\":{...},\"secrets\":{...}}");
        return false;
    }
    if (!vconfig_check(cfg, &e)) {
        cJSON_Delete(cfg);
        reply_error(r, e.status, "%s", e.message);
        return false;
    }
    const cJSON *env = cJSON_GetObjectItemCaseSensitive(cfg, "env");
    const cJSON *sec = cJSON_GetObjectItemCaseSensitive(cfg, "secrets");
    bool ok = true;
    mark = pjson_mark(); /* the names' array must be whole: they are stored */
    if (env && cJSON_GetArraySize(env)) ok = (c->env_json = cJSON_PrintUnformatted(env)) != NULL;
    if (ok && sec && cJSON_GetArraySize(sec)) {
        cJSON *names = cJSON_CreateArray();
        const cJSON *v;
        cJSON_ArrayForEach(v, sec) if (names) cJSON_AddItemToArray(names, cJSON_CreateString(v->string));
        c->names_json = names ? cJSON_PrintUnformatted(names) : NULL;
        cJSON_Delete(names);
        char *plain = cJSON_PrintUnformatted(sec);
        size_t sl = 0;
        ok = c->names_json && plain && !pjson_failed_since(mark) &&
             vconfig_seal(s->secrets_key, name, (const uint8_t *)plain, strlen(plain), &c->sealed, &sl);
        if (plain) { memset(plain, 0, strlen(plain)); free(plain); }
        d->sealed = c->sealed;
        d->sealed_len = sl;
    }
    cJSON_Delete(cfg);
    /* libcrypto fails only for memory here: 503 either way, retry. */
    if (!ok) { reply_error(r, 503, "cannot store the configuration (out of memory, or libcrypto failed)"); return false; }
    d->has_config = true;
    d->env_json = c->env_json;
    d->secret_names_json = c->names_json;
    return true;
}

static void deploy_with(server *s, const http_request *rq, const char *name, http_reply *r, deploy_cfg *c);

static void deploy(server *s, const http_request *rq, const char *name, http_reply *r) {
    deploy_cfg c = {0};
    deploy_with(s, rq, name, r, &c);
    free(c.env_json);
    free(c.names_json);
    free(c.sealed);
}

static void deploy_with(server *s, const http_request *rq, const char *name, http_reply *r, deploy_cfg *c) {
    char actor[129];
    actor_of(rq, actor);
    reg_deploy d = {.module = name, .actor = actor, .size = rq->body_len};
    if (!text_arg(rq, "commit", 128, &d.commit, r) || !text_arg(rq, "commit_time", 64, &d.commit_time, r) ||
        !text_arg(rq, "message", 4096, &d.message, r) || !text_arg(rq, "reason", 4096, &d.reason, r))
        return;
    if (d.commit_time && *d.commit_time && !iso8601_ok(d.commit_time)) {
        reply_error(r, 400, "commit_time '%s' is not an ISO 8601 time (e.g. 2026-01-31T12:00:00Z)", d.commit_time);
        return;
    }
    if (!arg_u64(rq, "fuel", KILN_MAX_FUEL, "the most a store's fuel counter holds", &d.limits.fuel, &d.has_fuel, r) ||
        !arg_u64(rq, "timeout_ms", KILN_MAX_TIMEOUT_MS, "the longest whose nanoseconds fit in 64 bits",
                 &d.limits.timeout_ms, &d.has_timeout, r) ||
        !arg_u64(rq, "max_memory", INT64_MAX, "the registry's limit", &d.limits.max_memory_bytes, &d.has_memory, r))
        return;
    d.promote = arg_bool(rq, "promote");
    d.force = arg_bool(rq, "force");
    if (!delivery_check_deploy(rq, r)) return;
    /* Configuration: X-Kiln-Config, base64 of {"env":{...},"secrets":{...}}
     * (a header, not the query: the query is the URL, which proxies log). */
    if (!deploy_config(s, rq, name, &d, c, r)) return;
    if (rq->body_len == 0) {
        reply_error(r, 400, "empty upload: send the module's bytes as the request body");
        return;
    }
    char digest[SHA256_HEX_LEN + 1];
    if (!sha256_hex(rq->body, rq->body_len, digest)) { /* libcrypto: out of memory */
        reply_error(r, 503, "cannot compute sha256 (out of memory?): try again");
        return;
    }
    d.digest = digest;

    /* Validated and compiled before anything is stored. */
    kiln_error err = {0};
    kiln_module *m = kiln_module_new(s->engine, rq->body, rq->body_len, &err);
    if (!m) {
        /* 400 for bytes that are not a module, 413 for one past an engine
         * limit, 503 when this server ran out of memory compiling it. */
        if (err.code == KILN_ERR_INVALID)
            reply_error(r, kiln_error_kind_of(err.code)->http_status, "not a valid WebAssembly module: %s", err.message);
        else
            reply_error(r, kiln_error_kind_of(err.code)->http_status, "cannot compile the module: %s", err.message);
        metrics_admin(s->metrics, name, "deploy", false);
        return;
    }

    perr e = {0};
    cJSON *out = NULL;
    pthread_mutex_lock(&deploy_lock);
    /* Under the lock: the limits it inherits cannot change before it is
     * stored. A module that could not answer one request is refused (422:
     * a well-formed module this server cannot run; 413 past a limit). */
    reg_limits lim;
    kiln_error why = {0};
    if (!reg_deploy_limits(s->reg, &d, &lim, &e) || !deploy_check(s, m, &lim, &why)) {
        pthread_mutex_unlock(&deploy_lock);
        kiln_module_free(m);
        if (e.status) {
            reply_error(r, e.status, "%s", e.message);
        } else {
            reply_error(r, kiln_error_kind_of(why.code)->http_status, "%s", why.message);
            unsigned fmark = pjson_mark(); /* server_log: were the fields built whole? */
            cJSON *f = cJSON_CreateObject();
            if (f) {
                cJSON_AddStringToObject(f, "module", name);
                cJSON_AddStringToObject(f, "actor", actor);
                cJSON_AddStringToObject(f, "error", why.message);
                cJSON_AddStringToObject(f, "kind", kiln_error_code_name(why.code));
            }
            server_log(s, "deploy-refused", f, fmark);
        }
        metrics_admin(s->metrics, name, "deploy", false);
        return;
    }
    bool existed = blobs_exists(s->blobs, digest);
    bool ok = blobs_put(s->blobs, digest, rq->body, rq->body_len, &e) && reg_add_version(s->reg, &d, &out, &e);
    if (!ok && !existed && !reg_has_digest(s->reg, digest)) blobs_remove(s->blobs, digest);
    pthread_mutex_unlock(&deploy_lock);
    metrics_admin(s->metrics, name, "deploy", ok);
    if (!ok) {
        kiln_module_free(m);
        reply_error(r, e.status, "%s", e.message);
        return;
    }
    /* The first request to it need not compile it again. */
    mc_entry *en = mc_adopt(s->cache, digest, m, &e);
    mc_release(s->cache, en);
    server_log_change(s, "deploy", name, actor, d.reason ? d.reason : d.message, out);
    delivery_after_deploy(s, rq, name, actor, out);
    reply_json_done(r, 201, out); /* out was whole before the commit (reg_add_version) */
}

/* ---------------------------------------------------------------- alias changes */

static bool json_bool(cJSON *o, const char *k) { return cJSON_IsTrue(cJSON_GetObjectItem(o, k)); }

static const char *json_string(cJSON *o, const char *k) {
    cJSON *v = cJSON_GetObjectItem(o, k);
    return cJSON_IsString(v) ? v->valuestring : NULL;
}

/* A version given as "v3", "3" or 3. 0 when absent; -1 when malformed. */
static int json_version(cJSON *o, const char *k) {
    cJSON *v = cJSON_GetObjectItem(o, k);
    if (!v || cJSON_IsNull(v)) return 0;
    int n;
    if (cJSON_IsNumber(v) && v->valuedouble >= 1 && v->valuedouble < 1e9 && v->valuedouble == (int)v->valuedouble)
        return (int)v->valuedouble;
    if (cJSON_IsString(v) && reg_parse_version(v->valuestring, &n)) return n;
    return -1;
}

/* A field of the wrong type is an error, not an absent field: {"alias": 1}
 * read as "no alias" would move live. null counts as absent. */
static bool json_types_ok(cJSON *o, http_reply *r) {
    static const struct { const char *key; bool boolean; } fields[] = {
        {"alias", false}, {"reason", false}, {"force", true},
    };
    for (size_t i = 0; i < sizeof fields / sizeof fields[0]; i++) {
        cJSON *v = cJSON_GetObjectItem(o, fields[i].key);
        if (!v || cJSON_IsNull(v)) continue;
        if (fields[i].boolean ? cJSON_IsBool(v) : cJSON_IsString(v)) continue;
        reply_error(r, 400, "'%s' must be %s", fields[i].key, fields[i].boolean ? "true or false" : "a string");
        return false;
    }
    return true;
}

static void alias_op(server *s, const http_request *rq, const char *name, const char *op, http_reply *r) {
    cJSON *body = NULL;
    if (!http_body_json(rq, &body, r)) return;
    if (rq->body_len) {
        if (!body || !cJSON_IsObject(body)) {
            cJSON_Delete(body);
            reply_error(r, 400, "the request body must be a JSON object");
            return;
        }
        if (!json_types_ok(body, r)) {
            cJSON_Delete(body);
            return;
        }
    }
    char actor[129];
    actor_of(rq, actor);
    const char *alias = json_string(body, "alias");
    const char *reason = json_string(body, "reason");
    bool force = json_bool(body, "force");
    if (alias && !reg_valid_alias(alias)) {
        reply_error(r, 400, "'%s' is not a valid alias name (letters, digits, '.', '_', '-'; not like a version)",
                    alias);
        goto out;
    }
    if (reason && strlen(reason) > 4096) { reply_error(r, 400, "'reason' is longer than 4096 characters"); goto out; }
    perr e = {0};
    cJSON *res = NULL;
    bool ok;
    if (!strcmp(op, "promote") || !strcmp(op, "pin")) {
        int v = json_version(body, "version");
        if (v <= 0) {
            reply_error(r, 400, "%s needs a version: {\"version\": \"v2\"}", op);
            goto out;
        }
        ok = reg_set_alias(s->reg, name, alias, v, op, actor, reason, force, &res, &e);
    } else if (!strcmp(op, "unpin")) {
        ok = reg_unpin(s->reg, name, alias, actor, reason, &res, &e);
    } else {
        int to = json_version(body, "to");
        if (to < 0) {
            reply_error(r, 400, "'to' must be a version such as \"v2\"");
            goto out;
        }
        ok = reg_rollback(s->reg, name, alias, to, actor, reason, force, &res, &e);
    }
    metrics_admin(s->metrics, name, op, ok);
    if (ok) server_log_change(s, op, name, actor, reason, res);
    if (ok) delivery_after_alias(s, name, op, res);
    if (ok) reply_json_done(r, 200, res); /* res was whole before the commit (registry.c) */
    else reply_error(r, e.status, "%s", e.message);
out:
    cJSON_Delete(body);
}

/* ---------------------------------------------------------------- dispatch */

static int limit_arg(const http_request *rq, int dflt) {
    const char *v = http_arg(rq, "limit");
    if (!v) return dflt;
    int n = atoi(v);
    return n > 0 ? n : dflt;
}

static void method_not_allowed(http_reply *r, const char *method, const char *allow) {
    reply_error(r, 405, "%s is not allowed here (allowed: %s)", method, allow);
    reply_add_header(r, "Allow", allow);
}

/* ?after=SEQ&version=vN&status=5xx|500&since=10m&request=ID for the logs. */
static bool logs_args(const http_request *rq, logs_filter *f, http_reply *r) {
    const char *v;
    if ((v = http_arg(rq, "after"))) {
        char *end;
        f->after = strtoull(v, &end, 10);
        if (!*v || *end) { reply_error(r, 400, "after=%s: want the 'next' of the previous answer", v); return false; }
    }
    if ((v = http_arg(rq, "version")) && !reg_parse_version(v, &f->version)) {
        reply_error(r, 400, "version=%s: want v2 or 2", v);
        return false;
    }
    if ((v = http_arg(rq, "status"))) {
        if (strlen(v) == 3 && v[0] >= '1' && v[0] <= '5' && !strcmp(v + 1, "xx")) f->status_class = v[0] - '0';
        else if (strlen(v) == 3 && isdigit((unsigned char)v[0]) && isdigit((unsigned char)v[1]) &&
                 isdigit((unsigned char)v[2]))
            f->status = atoi(v);
        else { reply_error(r, 400, "status=%s: want a class such as 5xx or a status such as 404", v); return false; }
    }
    if ((v = http_arg(rq, "since"))) {
        int64_t ms;
        if (!parse_span_ms(v, &ms)) { reply_error(r, 400, "since=%s: want a duration such as 10m or 2h", v); return false; }
        f->since_ms = reg_now_ms() - ms;
    }
    if ((v = http_arg(rq, "request"))) f->request_id = v;
    return true;
}

static void listing(http_reply *r, cJSON *list, const perr *e) {
    if (list) reply_json(r, 200, list);
    else reply_error(r, e->status ? e->status : 503, "%s", e->message[0] ? e->message : "out of memory");
}

void api_handle(server *s, const http_request *rq, const char *path, http_reply *r) {
    bool get = !strcmp(rq->method, "GET") || !strcmp(rq->method, "HEAD");
    bool post = !strcmp(rq->method, "POST");
    perr e = {0};
    if (!strcmp(path, "modules") || !strcmp(path, "modules/")) {
        if (!get) { method_not_allowed(r, rq->method, "GET"); return; }
        listing(r, reg_modules(s->reg, &e), &e);
        return;
    }
    if (!strcmp(path, "routes")) {
        if (get) { listing(r, reg_routes(s->reg, &e), &e); return; }
        if (!post && strcmp(rq->method, "DELETE")) { method_not_allowed(r, rq->method, "GET, POST, DELETE"); return; }
        char actor[129];
        actor_of(rq, actor);
        cJSON *body;
        if (!http_body_json(rq, &body, r)) return;
        const cJSON *pf = cJSON_GetObjectItem(body, "prefix"), *m = cJSON_GetObjectItem(body, "module");
        bool ok;
        if (!cJSON_IsString(pf) || (post && !cJSON_IsString(m))) {
            reply_error(r, 400, "want {\"prefix\":\"/thumbs\",\"module\":\"imgproc\"} (DELETE: {\"prefix\":\"/thumbs\"})");
            cJSON_Delete(body);
            return;
        }
        ok = post ? reg_route_add(s->reg, pf->valuestring, m->valuestring, actor, &e)
                  : reg_route_rm(s->reg, pf->valuestring, actor, &e);
        if (ok) {
            unsigned fmark = pjson_mark(); /* server_log: were the fields built whole? */
            cJSON *f = cJSON_CreateObject();
            if (f) {
                cJSON_AddStringToObject(f, "prefix", pf->valuestring);
                if (post) cJSON_AddStringToObject(f, "module", m->valuestring);
                cJSON_AddStringToObject(f, "actor", actor);
            }
            server_log(s, post ? "route-add" : "route-rm", f, fmark);
            /* The change is made: answered with the routes, or not at all. */
            unsigned mark = pjson_mark();
            reply_json_done(r, 200, pjson_checked(reg_routes(s->reg, &e), mark));
        } else {
            reply_error(r, e.status, "%s", e.message);
        }
        cJSON_Delete(body);
        return;
    }
    if (!strcmp(path, "rollouts")) {
        if (!get) { method_not_allowed(r, rq->method, "GET"); return; }
        listing(r, rollouts_running_json(s, &e), &e);
        return;
    }
    if (!strcmp(path, "nodes")) { /* kiln nodes: the cluster's heartbeats */
        if (!get) { method_not_allowed(r, rq->method, "GET"); return; }
        listing(r, reg_nodes(s->reg, &e), &e);
        return;
    }
    if (!strcmp(path, "stats/timings")) {
        if (!get) { method_not_allowed(r, rq->method, "GET"); return; }
        const char *reset = http_arg(rq, "reset");
        listing(r, metrics_timings(s->metrics, reset && strcmp(reset, "0")), &e);
        return;
    }
    if (!strncmp(path, "modules/", 8)) {
        const char *p = path + 8;
        char name[72];
        size_t n = strcspn(p, "/");
        if (n == 0 || n >= sizeof name) { reply_error(r, 404, "no module named '%.*s'", (int)(n > 64 ? 64 : n), p); return; }
        memcpy(name, p, n);
        name[n] = 0;
        if (!reg_valid_name(name)) {
            reply_error(r, 400, "'%s' is not a valid module name (1 to 64 letters, digits, '.', '_' or '-', "
                                "starting with a letter or digit)", name);
            return;
        }
        const char *sub = p[n] == '/' ? p + n + 1 : "";
        if (!*sub) {
            if (!get) { method_not_allowed(r, rq->method, "GET"); return; }
            listing(r, reg_module(s->reg, name, &e), &e);
            return;
        }
        if (!strcmp(sub, "versions")) {
            if (post) { deploy(s, rq, name, r); return; }
            if (!get) { method_not_allowed(r, rq->method, "GET, POST"); return; }
            cJSON *vs = reg_versions(s->reg, name, &e);
            /* Each version's execution tier, from the module cache. */
            cJSON *v;
            cJSON_ArrayForEach(v, vs) {
                cJSON *d = cJSON_GetObjectItem(v, "digest");
                const char *tier = cJSON_IsString(d) ? mc_tier(s->cache, d->valuestring) : NULL;
                if (!cJSON_AddStringToObject(v, "tier", tier ? tier : "not loaded")) {
                    cJSON_Delete(vs);
                    vs = NULL;
                    perr_set(&e, 503, "out of memory");
                    break;
                }
            }
            if (vs && !list_page(rq, vs, r)) { cJSON_Delete(vs); return; }
            listing(r, vs, &e);
            return;
        }
        if (!strcmp(sub, "history") || !strcmp(sub, "traps") || !strcmp(sub, "errors") || !strcmp(sub, "logs")) {
            if (!get) { method_not_allowed(r, rq->method, "GET"); return; }
            if (!strcmp(sub, "history")) listing(r, reg_history(s->reg, name, limit_arg(rq, 0), &e), &e);
            else if (!strcmp(sub, "traps") || !strcmp(sub, "errors"))
                listing(r, reg_traps(s->reg, name, limit_arg(rq, 20), !strcmp(sub, "errors"), &e), &e);
            else {
                cJSON *m = reg_module(s->reg, name, &e); /* 404 for an unknown module */
                if (!m) { listing(r, NULL, &e); return; }
                cJSON_Delete(m);
                logs_filter f = {.limit = limit_arg(rq, 100)};
                if (!logs_args(rq, &f, r)) return;
                listing(r, logs_query(s->logs, name, &f), &e);
            }
            return;
        }
        if (!strcmp(sub, "traps/groups") || !strcmp(sub, "errors/groups")) {
            if (!get) { method_not_allowed(r, rq->method, "GET"); return; }
            int limit = limit_arg(rq, 500);
            if (limit > 10000) { reply_error(r, 400, "limit=%d: at most 10000 reports are grouped", limit); return; }
            cJSON *reports = reg_traps(s->reg, name, limit, sub[0] == 'e', &e);
            if (!reports) { listing(r, NULL, &e); return; }
            cJSON *g = trap_groups(reports);
            if (!g) perr_set(&e, 503, "out of memory");
            listing(r, g, &e);
            return;
        }
        if (!strncmp(sub, "rollout", 7)) {
            char actor[129];
            actor_of(rq, actor);
            if (rollout_api(s, rq, name, sub, actor, r)) return;
        }
        if (!strcmp(sub, "promote") || !strcmp(sub, "pin") || !strcmp(sub, "unpin") || !strcmp(sub, "rollback")) {
            if (!post) { method_not_allowed(r, rq->method, "POST"); return; }
            alias_op(s, rq, name, sub, r);
            return;
        }
    }
    char actor[129];
    actor_of(rq, actor);
    if (delivery_api(s, rq, path, actor, r)) return;
    if (series_api(s, rq, path, r)) return;
    reply_error(r, 404, "no admin route /api/v1/%s", path);
}
