/* invoke.c — /run/NAME[@ALIAS|@vN]/PATH: one request, one fresh instance.
 *
 *   resolve    NAME@SELECTOR -> version (registry cache) -> compiled module
 *   instantiate a new store with the version's limits, WASI state whose
 *              stdin is the body and whose stdout/stderr are buffers
 *   run        _start
 *   respond    stdout parsed as a CGI response
 *
 * Nothing survives between requests but the compiled module, which is
 * immutable: no guest state can leak from one request into the next. */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "kiln_wasi.h"
#include "diag/diag.h"
#include "platform/server.h"
#include "platform/split.h"
#include "platform/wagi.h"

/* The most of a guest's stderr kept per request. */
#define STDERR_MAX (64 * 1024)

/* Splits "NAME[@SEL][/rest]" (undecoded). Returns false when malformed. */
static bool split_route(const char *rest, char name[72], char sel[72], const char **path_info) {
    size_t n = strcspn(rest, "@/");
    if (n == 0 || n >= 72) return false;
    memcpy(name, rest, n);
    name[n] = 0;
    sel[0] = 0;
    const char *p = rest + n;
    if (*p == '@') {
        p++;
        size_t m = strcspn(p, "/");
        if (m == 0 || m >= 72) return false;
        memcpy(sel, p, m);
        sel[m] = 0;
        p += m;
    }
    *path_info = p;
    return true;
}

/* "v%d" without printf (a request formats one or two): buf has room for
 * any int. */
static void version_text(char buf[16], int n) {
    char tmp[12], *d = tmp + sizeof tmp;
    unsigned v = n < 0 ? 0u - (unsigned)n : (unsigned)n;
    do *--d = (char)('0' + v % 10); while (v /= 10);
    if (n < 0) *--d = '-';
    size_t len = (size_t)(tmp + sizeof tmp - d);
    buf[0] = 'v';
    memcpy(buf + 1, d, len);
    buf[1 + len] = 0;
}

/* Whether this failure's report is stored (trapcap.h); the first one after
 * a window that dropped some says how many, in the server's log. */
static bool report_admitted(server *s, const reg_target *t) {
    uint64_t dropped = 0;
    bool ok = trapcap_admit(s->trapcap, t->module_id, plat_now_ns() / 1000000u, &dropped);
    if (dropped) {
        unsigned fmark = pjson_mark(); /* server_log: were the fields built whole? */
        cJSON *f = cJSON_CreateObject();
        if (f) {
            cJSON_AddNumberToObject(f, "module_id", (double)t->module_id);
            cJSON_AddNumberToObject(f, "not_stored", (double)dropped);
        }
        server_log(s, "trap-reports-dropped", f, fmark);
    }
    return ok;
}

static void trap_reply(server *s, http_reply *out, const reg_target *t, mc_entry *en, const kiln_trap *trap,
                       const uint8_t *err_text, size_t err_len) {
    diag_report_opts opts = {.detail = DIAG_DETAIL_FRAMES, .no_source = true};
    diag_symbols *syms = mc_symbols(en);
    const char *msg = trap->message[0] ? trap->message : kiln_trap_kind_message(trap->kind);
    if (report_admitted(s, t)) {
        char *report = diag_format_trap_str(trap, syms, &opts);
        char *json = diag_format_trap_json(trap, syms, &opts);
        perr e = {0};
        /* The report is stored before the answer goes out, so `kiln traps`
         * run right after a failed request already lists it. It is stored
         * whole or not at all (counted): a row without its backtrace, out
         * of memory, would pass for the whole story. */
        if (!report || !json ||
            !reg_add_trap(s->reg, t, out->request_id, kiln_trap_kind_message(trap->kind), msg, report, json, err_text,
                          err_len, &e))
            atomic_fetch_add(&s->reports_lost, 1);
        free(report);
        free(json);
    }
    reply_error(out, 500, "the module trapped: %s (request %s; see: kiln traps %s)", msg, out->request_id,
                out->module);
}

/* A 5xx that was not a trap (those are stored by trap_reply): stored in the
 * same table, so that `kiln errors` lists every failure of a version with
 * its request id, whatever its cause. */
static void failure_record(server *s, const reg_target *t, http_reply *out, const char *kind, const uint8_t *err_text,
                           size_t err_len) {
    if (!report_admitted(s, t)) return;
    const char *msg = out->body ? out->body : "";
    /* reply_error's body is {"error":"...",...}: keep the message itself. */
    unsigned mark = pjson_mark();
    cJSON *j = out->body ? cJSON_ParseWithLength(out->body, out->body_len) : NULL;
    const cJSON *m = cJSON_GetObjectItem(j, "error");
    if (cJSON_IsString(m)) msg = m->valuestring;
    else if (!j) msg = "the module answered with a 5xx status";
    perr e = {0};
    if (pjson_failed_since(mark) || !reg_add_trap(s->reg, t, out->request_id, kind, msg, NULL, NULL, err_text, err_len, &e))
        atomic_fetch_add(&s->reports_lost, 1); /* whole or not at all, as trap_reply's */
    cJSON_Delete(j);
}

void invoke_handle(server *s, const http_request *rq, const char *rest, http_reply *out) {
    uint64_t t0 = plat_now_ns();
    reply_begin(out); /* on this (guest) thread */
    usage_record *u = &out->usage;
    out->has_usage = true;
    server_request_id(s, out->request_id);
    reply_add_header(out, "X-Request-Id", out->request_id);
    u->request_id = out->request_id;
    u->start_unix_ms = reg_now_ms();
    u->request_bytes = rq->body_len;

    char name[72], sel[72];
    const char *raw_path_info = "";
    if (!split_route(rest, name, sel, &raw_path_info) || !reg_valid_name(name)) {
        reply_error(out, 404, "no such route: /run/ must be followed by a module name (/run/NAME/...)");
        return;
    }
    reg_target t;
    perr e = {0};
    if (!reg_resolve(s->reg, name, sel[0] ? sel : NULL, &t, &e)) {
        reply_error(out, e.status, "%s", e.message);
        return;
    }
    if (t.rollout_bp > 0) {
        /* A rollout splits live's traffic (split.h): sticky per client key,
         * else a per-request draw. */
        size_t klen;
        const char *key = split_client_key(http_header(rq, "X-Kiln-Key"), http_header(rq, "Cookie"), &klen);
        static _Thread_local uint64_t draw;
        if (!draw) draw = plat_now_ns() ^ (uint64_t)(uintptr_t)&draw;
        draw = draw * 6364136223846793005u + 1442695040888963407u;
        unsigned bucket = key ? split_bucket(key, klen) : split_bucket_random(draw);
        if (split_pick(bucket, t.rollout_bp)) {
            char vsel[16];
            reg_target nt;
            version_text(vsel, t.rollout_to);
            /* The new version, or live as it was if that fails to resolve. */
            if (reg_resolve(s->reg, name, vsel, &nt, &e)) t = nt;
        }
    }
    memcpy(out->module, name, strlen(name) + 1); /* both 72: split_route checked */
    u->module = out->module;
    u->version = t.number;
    u->module_id = t.module_id;
    u->version_id = t.version_id;
    char vbuf[16];
    version_text(vbuf, t.number);
    reply_add_header(out, "X-Kiln-Version", vbuf);

    mc_entry *en = mc_get(s->cache, t.digest, &e);
    if (!en) {
        reply_error(out, e.status ? e.status : 500, "%s", e.message);
        u->server_fault = out->status == 503; /* see the end */
        return;
    }
    uint64_t t1 = plat_now_ns();
    u->resolve_ns = t1 - t0;

    /* The guest's world. */
    wagi_strs env = {0}, args = {0};
    kiln_wasi *w = NULL;
    kiln_store *st = NULL;
    kiln_trap *trap = NULL;
    kiln_error err = {0};
    const char *fail_kind = NULL; /* a 5xx that is not a trap: what it was */
    bool guest_answered = false;  /* out's status is the guest's (CGI) */
    const uint8_t *ebuf = NULL;
    size_t elen = 0;

    char script[5 + 71 + 1 + 71 + 1], route[sizeof script + 4];
    /* "/run/NAME[@SEL]" and that + "/...": name and sel are under 72
     * bytes each (split_route), so both fit. */
    size_t nlen = strlen(name), slen = strlen(sel), sc = 0;
    memcpy(script, "/run/", 5);
    sc = 5;
    memcpy(script + sc, name, nlen);
    sc += nlen;
    if (slen) {
        script[sc++] = '@';
        memcpy(script + sc, sel, slen);
        sc += slen;
    }
    script[sc] = 0;
    memcpy(route, script, sc);
    memcpy(route + sc, "/...", 5);
    const char *ctype = http_header(rq, "Content-Type");
    const char *host = http_header(rq, "Host");
    /* The request headers, for HTTP_* variables (copied by http.c: this
     * runs on a guest thread). */
    wagi_request wr = {
        .method = rq->method, .raw_path = rq->raw_path, .query = rq->query,
        .script_name = script, .raw_path_info = raw_path_info, .matched_route = route,
        .host = host ? host : "", .server_name = s->cfg.listen_host, .server_port = s->port_str,
        .remote_addr = rq->remote_addr, .content_type = ctype, .content_length = rq->body_len,
        .headers = rq->headers, .nheaders = rq->nheaders, .module = name, .version = vbuf, .request_id = out->request_id,
    };
    if (!wagi_build_env(&wr, &env) || !wagi_build_args(name, rq->query, &args)) {
        reply_error(out, 503, "out of memory");
        goto done;
    }
    /* The version's own variables (kiln deploy --env/--secret), after
     * WAGI's, whose names they may not take (vconfig_valid_name). */
    if (!vcache_env(s, name, t.version_id, &env, &e)) {
        /* Out of memory is this server's (503), not the version's. */
        reply_error(out, e.status == 503 ? 503 : 500, "%s", e.message);
        if (e.status != 503) fail_kind = "setup";
        goto done;
    }

    kiln_wasi_config wc = {
        .argv = (const char *const *)args.v, .argc = args.n,
        .env = (const char *const *)env.v, .envc = env.n,
        .stdio = {
            {.kind = KILN_WASI_STDIO_BUFFER, .data = rq->body, .len = rq->body_len},
            {.kind = KILN_WASI_STDIO_BUFFER, .max_bytes = s->cfg.max_output_bytes},
            {.kind = KILN_WASI_STDIO_BUFFER, .max_bytes = STDERR_MAX},
        },
    };
    kiln_limits kl;
    server_kiln_limits(s, &t.limits, &kl);
    if (!(w = kiln_wasi_new(&wc, &err)) || !(st = kiln_store_new(s->engine, &kl, NULL)) ||
        !kiln_wasi_attach(w, st, &err)) {
        /* kiln_store_new says nothing: it fails only for memory. Out of
         * memory (503) is this server's failure, not the version's: not
         * recorded among its errors. */
        int http = err.message[0] ? perr_run_status(err.code) : 503;
        reply_error(out, http, "cannot set up the guest: %s", err.message[0] ? err.message : "out of memory");
        if (http != 503) fail_kind = "setup";
        goto done;
    }
    /* Metered from here (instantiation included: a module's start function
     * and data segments are work the request pays for) to _start's return,
     * when usage is aggregated. The store is fresh, so its counters at the
     * end are the request's. CPU time needs the thread CPU clock, a system
     * call (~3-7 us each on this VM, two per request: several percent of a
     * small request), so a thread measures it on one request in cpu_sample,
     * and on any request that comes 10 ms or more after its last measured
     * one (so a quiet version is measured on every request, at a cost of at
     * most 100 clock pairs a second per thread); the others are charged their
     * version's mean (docs/delivery.md). */
    static _Thread_local unsigned cpu_tick;
    static _Thread_local uint64_t cpu_last_ns;
    kiln_meter meter;
    bool metered = s->agg != NULL;
    unsigned every = s->cfg.cpu_sample ? s->cfg.cpu_sample : 64;
    bool cpu_sampled = metered && (every <= 1 || ++cpu_tick % every == 0 || t1 - cpu_last_ns >= 10000000u);
    if (cpu_sampled) cpu_last_ns = t1;
    if (cpu_sampled) kiln_meter_start(&meter, st, w);
    kiln_instance *inst = kiln_instantiate(st, s->linker, mc_module(en), &trap, &err);
    uint64_t t2 = plat_now_ns();
    u->instantiate_ns = t2 - t1;
    kiln_status status = KILN_ERROR;
    if (inst) {
        kiln_func *start = kiln_instance_func(inst, "_start");
        if (!start) {
            reply_error(out, 500, "the module exports no _start");
            fail_kind = "no-start";
            goto done;
        }
        status = kiln_call(st, start, NULL, 0, NULL, 0, &trap, &err);
    } else if (trap) {
        status = KILN_TRAPPED;
    }
    uint64_t t3 = plat_now_ns();
    if (cpu_sampled) {
        kiln_meter_note_trap(&meter, trap);
        kiln_meter_stop(&meter, &out->meter);
        u->meter = &out->meter;
        u->cpu_measured = true;
    } else if (metered) {
        kiln_store_stats ss;
        kiln_store_stats_get(st, &ss);
        kiln_usage *m = &out->meter;
        m->instructions = ss.fuel_consumed;
        m->wall_ns = t3 - t1;
        m->memory_bytes = ss.memory_bytes;
        m->peak_memory_bytes = ss.peak_memory_bytes;
        m->memory_gib_seconds = ss.memory_byte_seconds / KILN_GIB;
        m->calls = ss.calls;
        m->host_calls = ss.host_calls;
        m->trap = trap ? trap->kind : KILN_TRAP_NONE;
        u->meter = m;
    }
    u->run_ns = t3 - t2;
    kiln_wasi_get_usage(w, &out->wasi);
    u->wasi = &out->wasi;
    if (u->meter && !u->cpu_measured) {
        /* The I/O the price table may charge for (kiln_usage_io_bytes). */
        kiln_usage *m = &out->meter;
        m->has_wasi = true;
        m->stdin_bytes = out->wasi.stdin_bytes;
        m->stdout_bytes = out->wasi.stdout_bytes;
        m->stderr_bytes = out->wasi.stderr_bytes;
        m->file_read_bytes = out->wasi.file_read_bytes;
        m->file_write_bytes = out->wasi.file_write_bytes;
        m->net_read_bytes = out->wasi.net_read_bytes;
        m->net_write_bytes = out->wasi.net_write_bytes;
    }

    size_t olen = 0;
    bool truncated = false;
    const uint8_t *obuf = kiln_wasi_output(w, 1, &olen, &truncated);
    ebuf = kiln_wasi_output(w, 2, &elen, NULL);

    if (kiln_wasi_out_of_memory(w)) {
        /* A WASI call was refused for this server's memory: what the guest
         * did next (an output without its write, an abort) is not its
         * answer (503, not recorded as the version's failure). */
        reply_error(out, 503, "out of memory serving the WASI calls of %s v%d", name, t.number);
        goto done;
    }
    if (status == KILN_ERROR) {
        reply_error(out, perr_run_status(err.code), "cannot run %s v%d: %s", name, t.number, err.message);
        if (perr_run_status(err.code) != 503) fail_kind = inst ? "error" : "instantiation"; /* as above */
        goto done;
    }
    if (status == KILN_TRAPPED && trap->kind != KILN_TRAP_EXIT) {
        u->trap = trap->kind;
        trap_reply(s, out, &t, en, trap, ebuf, elen);
        goto done;
    }
    if (status == KILN_TRAPPED) u->exit_code = trap->exit_code;
    if (truncated) {
        reply_error(out, 500, "%s v%d wrote more than %" PRIu64 " bytes to stdout (the response limit)", name,
                    t.number, s->cfg.max_output_bytes);
        fail_kind = "output-limit";
        goto done;
    }
    wagi_response resp;
    bool parsed = wagi_parse_output(obuf, olen, &resp);
    if (!parsed && resp.nomem) {
        reply_error(out, 503, "out of memory reading the response of %s v%d", name, t.number);
    } else if (!parsed) {
        if (u->exit_code)
            reply_error(out, 500, "%s v%d exited with status %d; %s", name, t.number, u->exit_code, resp.error);
        else
            reply_error(out, 500, "%s v%d: %s", name, t.number, resp.error);
        fail_kind = "bad-response";
    } else {
        out->status = resp.status;
        out->body = malloc(resp.body_len ? resp.body_len : 1);
        if (!out->body) {
            wagi_response_free(&resp);
            reply_error(out, 503, "out of memory");
            goto done;
        }
        guest_answered = true;
        memcpy(out->body, resp.body, resp.body_len);
        out->body_len = resp.body_len;
        out->content_type = NULL;
        for (size_t i = 0; i < resp.nheaders; i++) reply_add_header(out, resp.headers[i].name, resp.headers[i].value);
        wagi_response_free(&resp);
        if (out->status >= 500) fail_kind = "status-5xx";
    }

done:;
    if (fail_kind) failure_record(s, &t, out, fail_kind, ebuf, elen);
    {
        /* kiln logs: the request's line and its stderr. */
        log_line ll = {.module = name, .request_id = out->request_id, .method = rq->method, .path = rq->raw_path,
                       .query = rq->query, .version = t.number, .status = out->status, .at_ms = u->start_unix_ms,
                       .dur_us = (plat_now_ns() - rq->start_ns) / 1000, .stderr_bytes = ebuf, .stderr_len = elen};
        logs_add(s->logs, &ll);
    }
    uint64_t t4 = plat_now_ns();
    if (trap) kiln_trap_free(trap);
    if (st) kiln_store_free(st);
    if (w) kiln_wasi_free(w);
    u->teardown_ns = plat_now_ns() - t4;
    wagi_strs_free(&env);
    wagi_strs_free(&args);
    mc_release(s->cache, en);
    /* Every 503 made here is the server's (out of memory, the registry
     * down); a guest's own Status: 503 is its answer. */
    u->server_fault = out->status == 503 && !guest_answered;
}
