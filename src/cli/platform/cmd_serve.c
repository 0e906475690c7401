/* cmd_serve.c — `kiln serve`: runs the platform server in the foreground
 * until SIGINT or SIGTERM. */
#include <errno.h>
#include <limits.h>
#include <pthread.h>
#include <signal.h>
#include <sys/resource.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "kiln_meter.h"
#include "cli/cli.h"
#include "cli/platform/client.h"
#include "platform/server.h"

static const char help[] =
    "NAME\n"
    "    kiln serve - serve versioned WebAssembly modules over HTTP\n"
    "\n"
    "SYNOPSIS\n"
    "    kiln serve [--listen ADDR:PORT] [--data DIR] [OPTIONS]\n"
    "\n"
    "DESCRIPTION\n"
    "    Runs the kiln platform server in the foreground until interrupted\n"
    "    (SIGINT or SIGTERM). Modules are deployed, promoted, pinned and\n"
    "    rolled back through its admin API (the kiln deploy, promote, pin,\n"
    "    unpin and rollback commands); a change serves the next request, with\n"
    "    no restart.\n"
    "\n"
    "    GET|POST|... /run/NAME/PATH        invokes NAME's live version\n"
    "    /run/NAME@ALIAS/PATH              the version an alias points at\n"
    "    /run/NAME@vN/PATH                 version N\n"
    "\n"
    "    Invocations follow WAGI: the guest (a WASI command) gets 20 CGI and\n"
    "    WAGI variables (REQUEST_METHOD, GATEWAY_INTERFACE, SERVER_PROTOCOL,\n"
    "    SERVER_SOFTWARE, SERVER_NAME, SERVER_PORT, SCRIPT_NAME, PATH_INFO,\n"
    "    PATH_TRANSLATED, QUERY_STRING, CONTENT_TYPE, CONTENT_LENGTH,\n"
    "    REMOTE_ADDR, REMOTE_HOST, X_FULL_URL, X_MATCHED_ROUTE,\n"
    "    X_RAW_PATH_INFO, X_KILN_MODULE, X_KILN_VERSION, X_REQUEST_ID), every\n"
    "    request header as HTTP_NAME, and its version's --env and --secret\n"
    "    variables in its environment, the query parameters (split\n"
    "    on '&', URL-decoded) as argv[1..], and the request body on stdin.\n"
    "    It answers on stdout with CGI headers (Content-Type, Status,\n"
    "    Location, others), a blank line and the body. Every request runs in\n"
    "    a fresh instance with the version's limits (fuel, timeout, memory);\n"
    "    a trap answers 500 with a request id, and its report is kept (kiln\n"
    "    traps NAME).\n"
    "\n"
    "    Also served: /api/v1/... (the admin API; needs the bearer token),\n"
    "    /ui (the web UI: log in with admin.token, or readonly.token to\n"
    "    look without acting), /healthz, /metrics (Prometheus text).\n"
    "\n"
    "    The data directory holds registry.db (SQLite, WAL), blobs/ (module\n"
    "    binaries by sha256), admin.token (made at first start, mode 0600;\n"
    "    the CLI reads it from --data or takes KILN_TOKEN), readonly.token\n"
    "    (beside it: GET requests only, 403 for the rest) and serve.lock: a\n"
    "    server holds it while it runs, so a second server on the same data\n"
    "    directory exits with the first one's PID. One server per address\n"
    "    too: a busy --listen address is an error, never shared.\n"
    "\n"
    "    At start it prints the address it listens on and the exact 'kiln\n"
    "    login' line that lets every shell of this user reach it without\n"
    "    KILN_SERVER or KILN_DATA (kiln login --help); then one log line per\n"
    "    deploy, promote, pin, unpin, rollback and auto-rollback\n"
    "    (--log-format). Deploys of modules that could not start under their\n"
    "    limits are refused (kiln deploy --help).\n"
    "\n"
    "OPTIONS\n"
    "    --listen ADDR:PORT\n"
    "        Address to listen on (default 127.0.0.1:8080). ADDR is numeric:\n"
    "        0.0.0.0 for every interface, [::1]:8080 for IPv6. Port 0 picks a\n"
    "        free port; the line printed at start says which.\n"
    "\n"
    "    --data DIR\n"
    "        The data directory (default ./kiln-data, or KILN_DATA).\n"
    "\n"
    "    --threads N\n"
    "        HTTP threads (default: one per core). They read requests and\n"
    "        send responses; guests never run on them, so /healthz, /metrics\n"
    "        and the admin API answer however busy the guests are.\n"
    "\n"
    "    --guest-threads N\n"
    "        Threads that run guests (default: 4 per core, at least 8).\n"
    "\n"
    "    --max-in-flight N\n"
    "        Requests of one module whose guests run at once (default: half\n"
    "        the guest threads), so that one module, however slow, leaves\n"
    "        threads to the others. Its further requests wait in its queue.\n"
    "\n"
    "    --max-queue N\n"
    "        Requests of one module that may wait for a guest thread (default\n"
    "        64). Beyond, a request is answered 503 with Retry-After: 1 at\n"
    "        once.\n"
    "\n"
    "    --max-queue-wait DURATION\n"
    "        How long a request may wait for a guest thread (default 10s);\n"
    "        then it is answered 503 with Retry-After: 1.\n"
    "\n"
    "    --max-body SIZE\n"
    "        Largest request body, e.g. 16MiB (the default). Larger ones get\n"
    "        413. Module uploads count too.\n"
    "\n"
    "    --max-output SIZE\n"
    "        Largest response a guest may write to stdout (default 64MiB).\n"
    "\n"
    "    --connection-timeout SECONDS\n"
    "        Close connections idle or stalled this long (default 30), so\n"
    "        slow clients cannot hold the server.\n"
    "\n"
    "    --max-connections N\n"
    "        Concurrent connections accepted (default 1024, and at most what\n"
    "        the open-file limit allows).\n"
    "\n"
    "    --max-per-ip N\n"
    "        Concurrent connections from one client address (default a quarter\n"
    "        of --max-connections, so one client cannot take them all; 0: no\n"
    "        bound, e.g. behind a proxy whose connections all come from one\n"
    "        address).\n"
    "\n"
    "    --header-timeout DURATION\n"
    "        A connection must send a complete request head within this of\n"
    "        opening or of its previous response (default 10s; 0: no limit),\n"
    "        else it is closed: a client trickling header bytes (slowloris)\n"
    "        resets the idle --connection-timeout, not this one.\n"
    "\n"
    "    --default-timeout DURATION, --default-fuel N, --default-max-memory SIZE\n"
    "        Limits for versions deployed without their own (defaults 30s,\n"
    "        unlimited, 1GiB).\n"
    "\n"
    "    --max-table-elements N\n"
    "        The most elements a module's tables may hold (default\n"
    "        10000000). A deploy whose tables need more at start is refused.\n"
    "\n"
    "    --cache-size SIZE\n"
    "        Memory the compiled modules kept in memory may take, e.g. 1GiB\n"
    "        (default 512MiB, or a quarter of the machine's memory when that\n"
    "        is less). Past it the least recently used are dropped and\n"
    "        compiled again when next requested. A module counts what it\n"
    "        holds (kiln inspect shows it): a small service some 0.4 MiB, so\n"
    "        the default keeps over a thousand versions. /metrics has\n"
    "        kiln_module_cache_bytes, _entries, _hits_total, _misses_total\n"
    "        and _evictions_total.\n"
    "\n"
    "    --cache N\n"
    "        Also keep at most N compiled modules (default: no bound but\n"
    "        --cache-size).\n"
    "\n"
    "    --max-compiled-size SIZE\n"
    "        The most memory one compiled module may take (default 256MiB).\n"
    "        A deploy of a module past it is refused with 413 while it\n"
    "        compiles: a module of millions of tiny functions costs far more\n"
    "        memory than its bytes. Keep it below --cache-size, or such a\n"
    "        module is compiled again on every request.\n"
    "\n"
    "    --prices NAME|FILE\n"
    "        The price table for request costs (kiln cost, /metrics): a\n"
    "        built-in one, aws-lambda-x86 (the default) or cloudflare-workers,\n"
    "        or a file of 'key = value' lines (docs/metering.md).\n"
    "\n"
    "    --regression-threshold PERCENT\n"
    "        How much more a newly live version may cost per request than\n"
    "        the previous one before it is flagged (default 20%; kiln policy\n"
    "        sets it per module). See docs/delivery.md.\n"
    "\n"
    "    --usage-flush DURATION\n"
    "        How long usage records wait before they are written to the\n"
    "        registry, in batches (default 200ms): the most usage a kill -9\n"
    "        of the server can lose.\n"
    "\n"
    "    --cpu-sample N\n"
    "        Measure CPU time on one request in N per guest thread (default\n"
    "        64; 1: every request), and on any request 10 ms or more after the\n"
    "        thread's last measured one; the others are charged their\n"
    "        version's mean. Reading a thread's CPU clock is a system call.\n"
    "\n"
    "    --registry postgresql://USER@HOST:PORT/DB\n"
    "        Keep the registry in PostgreSQL instead of DATA/registry.db, shared\n"
    "        by every node started with the same URL (a cluster behind a load\n"
    "        balancer: docs/cluster.md, scripts/cluster.sh). Module bytes are\n"
    "        stored there too; each node keeps a copy in DATA/blobs, checked\n"
    "        against its sha256. A change made through any node reaches every\n"
    "        node (LISTEN/NOTIFY, and a generation re-read every second). While\n"
    "        PostgreSQL is down a node serves the versions it has cached and\n"
    "        refuses changes with 503. The nodes of a cluster share admin.token,\n"
    "        readonly.token and secrets.key (copy them into each DATA).\n"
    "\n"
    "    --node NAME\n"
    "        This node's name in usage rows and kiln nodes (default: the listen\n"
    "        address). Keep it stable across restarts.\n"
    "\n"
    "    --tier auto|interp\n"
    "        auto (the default): every version also gets native code, compiled\n"
    "        in the background (one at a time, never on a request's path) into\n"
    "        DATA/native; requests are served by the interpreter until it is\n"
    "        ready, then by native code, with the same results, traps and fuel.\n"
    "        A version whose compile fails stays on the interpreter (one line on\n"
    "        stderr). kiln versions shows each version's tier. interp: none\n"
    "        (also the default when KILN_TIER=interp is set).\n"
    "\n"
    "    --log-format text|json\n"
    "        How the server's log on stdout is written (default text). It has\n"
    "        one line per deploy, refused deploy, promote, pin, unpin,\n"
    "        rollback, auto-rollback, rollout (start, step, done, abort),\n"
    "        regression: the time (UTC), the event, then\n"
    "        module, version or alias/from/to, actor and reason, as key=value\n"
    "        pairs, or as one JSON object per line with json (the start and\n"
    "        shutdown lines too). Requests are not logged: see /metrics.\n"
    "\n"
    "    --webhook URL\n"
    "        POST a JSON object to URL for each of kiln's own decisions:\n"
    "        auto-rollback (a probation or a rollout that failed) and\n"
    "        regression. Sent in the background, 5 s timeout, up to 4 tries.\n"
    "\n"
    "    --no-usage\n"
    "        Neither meter requests nor aggregate usage (no kiln cost, no\n"
    "        auto-rollback); for benchmarks. KILN_USAGE=off does the same.\n"
    "\n"
    "EXIT STATUS\n"
    "    0 after a clean shutdown; 1 when the server cannot start: its address\n"
    "    is already in use, another kiln serve holds its data directory, the\n"
    "    directory is unusable, or an option is bad.\n"
    "\n"
    "EXAMPLES\n"
    "    In a kiln checkout, after 'make all examples' (examples/wagi-hello is\n"
    "    a WAGI program: it answers with a CGI header and a greeting):\n"
    "\n"
    "    kiln serve --data ./kiln-data --listen 127.0.0.1:8080 &\n"
    "    kiln deploy build/examples/wagi-hello.wasm --name hello --promote\n"
    "    curl 'http://127.0.0.1:8080/run/hello/greet?name=ada'\n";

static const char synopsis[] = "kiln serve [--listen ADDR:PORT] [--data DIR] [OPTIONS]";

static bool parse_listen(const char *s, char *host, size_t hsize, uint16_t *port) {
    const char *colon;
    if (s[0] == '[') {
        const char *close = strchr(s, ']');
        if (!close || close[1] != ':') return false;
        snprintf(host, hsize, "%.*s", (int)(close - s - 1), s + 1);
        colon = close + 1;
    } else {
        colon = strrchr(s, ':');
        if (!colon) return false;
        snprintf(host, hsize, "%.*s", (int)(colon - s), s);
    }
    char *end;
    unsigned long p = strtoul(colon + 1, &end, 10);
    if (!colon[1] || *end || p > 65535) return false;
    if (!*host) snprintf(host, hsize, "0.0.0.0");
    *port = (uint16_t)p;
    return true;
}

/* Appends s to buf, quoted for a POSIX shell when it needs quoting. */
static void shell_word(const char *s, char *buf, size_t size) {
    size_t n = strlen(buf);
    if (*s && strspn(s, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789/._-+:@%,=") == strlen(s)) {
        snprintf(buf + n, size - n, "%s", s);
        return;
    }
    if (n + 1 < size) buf[n++] = '\'';
    for (; *s && n + 5 < size; s++) {
        if (*s == '\'') { memcpy(buf + n, "'\\''", 4); n += 4; }
        else buf[n++] = *s;
    }
    if (n + 1 < size) buf[n++] = '\'';
    buf[n] = 0;
}

/* The exact `kiln login` line for this server: a URL a client on this
 * machine can reach (the wildcard addresses become loopback) and the
 * token file's absolute path. */
static void login_line(const char *host, unsigned port, const char *data_dir, char *buf, size_t size) {
    char dir[PATH_MAX], token[PATH_MAX + 16];
    bool v6 = strchr(host, ':') != NULL;
    if (!strcmp(host, "0.0.0.0")) host = "127.0.0.1";
    else if (!strcmp(host, "::")) host = "::1";
    if (!realpath(data_dir, dir)) snprintf(dir, sizeof dir, "%s", data_dir);
    snprintf(token, sizeof token, "%s/admin.token", dir);
    snprintf(buf, size, "kiln login http://%s%s%s:%u --token-file ", v6 ? "[" : "", host, v6 ? "]" : "", port);
    shell_word(token, buf, size);
}

int cmd_serve(int argc, char **argv) {
    const char *listen = "127.0.0.1:8080", *threads = NULL, *guest_threads = NULL, *max_in_flight = NULL,
               *max_queue = NULL, *max_queue_wait = NULL, *header_timeout = NULL, *max_body = NULL, *max_output = NULL,
               *conn_timeout = NULL, *max_conn = NULL, *max_per_ip = NULL, *def_timeout = NULL, *def_fuel = NULL,
               *def_mem = NULL, *cache = NULL, *cache_size = NULL, *max_compiled = NULL, *prices = NULL, *threshold = NULL, *usage_flush = NULL,
               *cpu_sample = NULL, *max_table = NULL, *log_format = NULL, *tier = NULL,
               *webhook = NULL, *registry = NULL, *node = NULL;
    bool no_usage = false;
    client_flag flags[] = {
        {"--listen", true, &listen, NULL},
        {"--threads", true, &threads, NULL},
        {"--guest-threads", true, &guest_threads, NULL},
        {"--max-in-flight", true, &max_in_flight, NULL},
        {"--max-queue", true, &max_queue, NULL},
        {"--max-queue-wait", true, &max_queue_wait, NULL},
        {"--header-timeout", true, &header_timeout, NULL},
        {"--max-body", true, &max_body, NULL},
        {"--max-output", true, &max_output, NULL},
        {"--connection-timeout", true, &conn_timeout, NULL},
        {"--max-connections", true, &max_conn, NULL},
        {"--max-per-ip", true, &max_per_ip, NULL},
        {"--default-timeout", true, &def_timeout, NULL},
        {"--default-fuel", true, &def_fuel, NULL},
        {"--default-max-memory", true, &def_mem, NULL},
        {"--cache", true, &cache, NULL},
        {"--cache-size", true, &cache_size, NULL},
        {"--max-compiled-size", true, &max_compiled, NULL},
        {"--max-table-elements", true, &max_table, NULL},
        {"--log-format", true, &log_format, NULL},
        {"--webhook", true, &webhook, NULL},
        {"--tier", true, &tier, NULL},
        {"--registry", true, &registry, NULL},
        {"--node", true, &node, NULL},
        {"--prices", true, &prices, NULL},
        {"--regression-threshold", true, &threshold, NULL},
        {"--usage-flush", true, &usage_flush, NULL},
        {"--no-usage", false, NULL, &no_usage},
        {"--cpu-sample", true, &cpu_sample, NULL},
    };
    const char *pos[1];
    int npos;
    client_opts o;
    int rc = client_parse("serve", help, synopsis, argc, argv, flags, sizeof flags / sizeof flags[0], pos, 0, 0,
                          &npos, &o);
    if (rc >= 0) return rc;

    char host[128];
    server_config cfg = {
        .listen_host = host, .data_dir = o.data_dir,
        .max_body_bytes = 16u << 20, .max_output_bytes = 64u << 20,
        .connection_timeout_s = 30, .connection_limit = 1024, .header_timeout_ms = 10000,
        .default_limits = {.timeout_ms = 30000, .max_memory_bytes = 1ull << 30},
        .max_table_elements = 10000000, .max_queue = 64,
    };
    if (registry && strncmp(registry, "postgresql://", 13) && strncmp(registry, "postgres://", 11))
        return cli_fail("serve", "bad --registry: want a postgresql://USER@HOST:PORT/DB URL");
    if (node && (!*node || strlen(node) > 63))
        return cli_fail("serve", "bad --node '%s': want a name of 1 to 63 characters", node);
    cfg.registry_url = registry;
    cfg.node_id = node;
    if (!parse_listen(listen, host, sizeof host, &cfg.port))
        return cli_fail("serve", "bad --listen '%s': want ADDR:PORT, e.g. 127.0.0.1:8080", listen);
    uint64_t v;
#define NUM(opt, var, what)                                                                     \
    if (opt) {                                                                                  \
        char *end;                                                                              \
        unsigned long long n_ = strtoull(opt, &end, 10);                                        \
        if (!*opt || *end || n_ > UINT32_MAX) return cli_fail("serve", "bad %s '%s': want a number", what, opt); \
        var = (unsigned)n_;                                                                     \
    }
    NUM(threads, cfg.threads, "--threads");
    NUM(guest_threads, cfg.guest_threads, "--guest-threads");
    NUM(max_in_flight, cfg.max_in_flight, "--max-in-flight");
    NUM(max_queue, cfg.max_queue, "--max-queue");
    if ((guest_threads && !cfg.guest_threads) || (max_in_flight && !cfg.max_in_flight))
        return cli_fail("serve", "bad %s '0': want 1 or more", guest_threads && !cfg.guest_threads ? "--guest-threads" : "--max-in-flight");
    NUM(conn_timeout, cfg.connection_timeout_s, "--connection-timeout");
    NUM(max_conn, cfg.connection_limit, "--max-connections");
    /* One client must not hold every connection (issue 17, break 3). */
    cfg.per_ip_limit = cfg.connection_limit / 4 ? cfg.connection_limit / 4 : 1;
    NUM(max_per_ip, cfg.per_ip_limit, "--max-per-ip");
    NUM(cache, cfg.cache_entries, "--cache");
    if (cache && !cfg.cache_entries) return cli_fail("serve", "bad --cache '0': want a number of modules, 1 or more");
    NUM(cpu_sample, cfg.cpu_sample, "--cpu-sample");
    NUM(max_table, cfg.max_table_elements, "--max-table-elements");
    if (max_table && !cfg.max_table_elements)
        return cli_fail("serve", "bad --max-table-elements '0': want a number of elements, 1 or more");
#undef NUM
    if (max_body) {
        if (!client_parse_size(max_body, &v) || !v) return cli_fail("serve", "bad --max-body '%s': want a size such as 16MiB", max_body);
        cfg.max_body_bytes = v;
    }
    /* The compiled-module cache is bounded in bytes (issue 17, break 8: a
     * bound of 64 entries recompiled on every request over 65 versions). */
    long pages = sysconf(_SC_PHYS_PAGES), psize = sysconf(_SC_PAGESIZE);
    cfg.cache_bytes = MC_DEFAULT_BUDGET;
    if (pages > 0 && psize > 0 && (uint64_t)pages * (uint64_t)psize / 4 < cfg.cache_bytes)
        cfg.cache_bytes = (size_t)((uint64_t)pages * (uint64_t)psize / 4);
    if (cache_size) {
        if (!client_parse_size(cache_size, &v) || !v || v > SIZE_MAX)
            return cli_fail("serve", "bad --cache-size '%s': want a size such as 512MiB", cache_size);
        cfg.cache_bytes = (size_t)v;
    }
    if (max_compiled) {
        if (!client_parse_size(max_compiled, &v) || !v)
            return cli_fail("serve", "bad --max-compiled-size '%s': want a size such as 256MiB", max_compiled);
        cfg.max_module_bytes = v;
    }
    uint64_t one = cfg.max_module_bytes ? cfg.max_module_bytes : KILN_DEFAULT_MAX_MODULE_BYTES;
    if (one > cfg.cache_bytes)
        fprintf(stderr, "kiln serve: warning: a module may take up to %llu MiB compiled (--max-compiled-size), more "
                        "than the whole cache (--cache-size %llu MiB): such a module is compiled again on every request\n",
                (unsigned long long)(one >> 20), (unsigned long long)(cfg.cache_bytes >> 20));
    if (max_output) {
        if (!client_parse_size(max_output, &v) || !v) return cli_fail("serve", "bad --max-output '%s': want a size such as 64MiB", max_output);
        cfg.max_output_bytes = v;
    }
    if (header_timeout) {
        if (!client_parse_duration_ms(header_timeout, &v) || v > 3600000)
            return cli_fail("serve", "bad --header-timeout '%s': want a duration such as 10s (0: none), at most 1h",
                            header_timeout);
        cfg.header_timeout_ms = (unsigned)v;
    }
    if (max_queue_wait) {
        if (!client_parse_duration_ms(max_queue_wait, &v) || !v || v > 3600000)
            return cli_fail("serve", "bad --max-queue-wait '%s': want a duration such as 500ms or 10s, at most 1h",
                            max_queue_wait);
        cfg.max_queue_wait_ms = (unsigned)v;
    }
    if (def_timeout) {
        if (!client_parse_duration_ms(def_timeout, &v)) return cli_fail("serve", "bad --default-timeout '%s': want a duration such as 500ms or 30s, at most %llu ms", def_timeout, (unsigned long long)KILN_MAX_TIMEOUT_MS);
        cfg.default_limits.timeout_ms = v;
    }
    if (def_fuel) {
        kiln_error err = {0};
        if (!kiln_parse_fuel(def_fuel, true, &v, &err)) return cli_fail("serve", "bad --default-fuel: %s", err.message);
        cfg.default_limits.fuel = v;
    }
    if (def_mem) {
        if (!client_parse_size(def_mem, &v) || !v) return cli_fail("serve", "bad --default-max-memory '%s': want a size such as 256MiB", def_mem);
        cfg.default_limits.max_memory_bytes = v;
    }

    /* KILN_TIER=interp (tests/run.sh sets it) chooses the default. */
    const char *tier_env = getenv("KILN_TIER");
    if (!tier && tier_env && !strcmp(tier_env, "interp")) cfg.interp_only = true;
    if (tier) {
        if (strcmp(tier, "auto") && strcmp(tier, "interp"))
            return cli_fail("serve", "bad --tier '%s': want auto or interp", tier);
        cfg.interp_only = !strcmp(tier, "interp");
    }
    if (webhook) {
        if (strncmp(webhook, "http://", 7) && strncmp(webhook, "https://", 8))
            return cli_fail("serve", "bad --webhook '%s': want an http:// or https:// URL", webhook);
        cfg.webhook_url = webhook;
    }
    if (log_format) {
        if (strcmp(log_format, "text") && strcmp(log_format, "json"))
            return cli_fail("serve", "bad --log-format '%s': want text or json", log_format);
        cfg.log_json = !strcmp(log_format, "json");
    }

    const char *usage_env = getenv("KILN_USAGE");
    cfg.usage_off = no_usage || (usage_env && (!strcmp(usage_env, "off") || !strcmp(usage_env, "0")));
    if (prices) {
        kiln_error kerr = {0};
        if (!kiln_prices_builtin(prices, &cfg.prices) && !kiln_prices_load(prices, &cfg.prices, &kerr))
            return cli_fail("serve", "bad --prices '%s': not a built-in table (aws-lambda-x86, cloudflare-workers) "
                                     "nor a readable price file: %s", prices, kerr.message);
    }
    if (threshold) {
        char *end;
        double t = strtod(threshold, &end);
        if (end == threshold || (*end && strcmp(end, "%")) || t < 0)
            return cli_fail("serve", "bad --regression-threshold '%s': want a percentage such as 20%%", threshold);
        cfg.regression_threshold = t / 100;
        if (cfg.regression_threshold == 0) cfg.regression_threshold = 1e-12; /* 0%: any increase */
    }
    if (usage_flush) {
        if (!client_parse_duration_ms(usage_flush, &v) || !v || v > 600000)
            return cli_fail("serve", "bad --usage-flush '%s': want a duration such as 500ms or 2s", usage_flush);
        cfg.usage_flush_ms = (unsigned)v;
    }

    /* Every connection is a file descriptor: past the open-file limit
     * accept fails and the server stops taking connections at all. Raise
     * the soft limit to the hard one, and keep the connection limit below
     * it with room for the registry, blobs and native code. */
    struct rlimit rl;
    if (getrlimit(RLIMIT_NOFILE, &rl) == 0) {
        if (rl.rlim_cur < rl.rlim_max) {
            rl.rlim_cur = rl.rlim_max;
            setrlimit(RLIMIT_NOFILE, &rl);
            getrlimit(RLIMIT_NOFILE, &rl);
        }
        if (rl.rlim_cur != RLIM_INFINITY && rl.rlim_cur < (rlim_t)cfg.connection_limit + 256) {
            unsigned fit = rl.rlim_cur > 512 ? (unsigned)rl.rlim_cur - 256 : (unsigned)rl.rlim_cur / 2;
            fprintf(stderr, "kiln serve: warning: the open-file limit (%llu) allows %u connections, not %u\n",
                    (unsigned long long)rl.rlim_cur, fit, cfg.connection_limit);
            cfg.connection_limit = fit;
            if (cfg.per_ip_limit > fit) cfg.per_ip_limit = fit;
        }
    }

    /* Block the shutdown signals before any thread starts, so that every
     * worker inherits the mask and only sigwait below receives them. */
    sigset_t set;
    sigemptyset(&set);
    sigaddset(&set, SIGINT);
    sigaddset(&set, SIGTERM);
    pthread_sigmask(SIG_BLOCK, &set, NULL);
    signal(SIGPIPE, SIG_IGN);

    perr e = {0};
    server *s = server_start(&cfg, &e);
    if (!s) return cli_fail("serve", "%s", e.message);
    bool v6 = strchr(host, ':') != NULL;
    char url[200], login[PATH_MAX + 300];
    snprintf(url, sizeof url, "http://%s%s%s:%u", v6 ? "[" : "", host, v6 ? "]" : "", s->port);
    login_line(host, s->port, cfg.data_dir, login, sizeof login);
    if (cfg.log_json) {
        unsigned fmark = pjson_mark(); /* server_log: were the fields built whole? */
        cJSON *f = cJSON_CreateObject();
        if (f) {
            cJSON_AddStringToObject(f, "url", url);
            cJSON_AddStringToObject(f, "data", cfg.data_dir);
            cJSON_AddNumberToObject(f, "threads", s->cfg.threads);
            cJSON_AddNumberToObject(f, "guest_threads", s->cfg.guest_threads);
            cJSON_AddNumberToObject(f, "pid", (double)getpid());
            cJSON_AddStringToObject(f, "login", login);
        }
        server_log(s, "listening", f, fmark);
    } else {
        printf("kiln serve: listening on %s (data %s, %u threads, %u guest threads)\n", url, cfg.data_dir,
               s->cfg.threads, s->cfg.guest_threads);
        printf("kiln serve: to use it from any shell: %s\n", login);
        fflush(stdout);
    }
    int sig = 0;
    sigwait(&set, &sig);
    const char *signame = sig == SIGINT ? "SIGINT" : "SIGTERM";
    if (cfg.log_json) {
        unsigned fmark = pjson_mark(); /* server_log: were the fields built whole? */
        cJSON *f = cJSON_CreateObject();
        if (f) cJSON_AddStringToObject(f, "signal", signame);
        server_log(s, "shutdown", f, fmark);
    } else {
        printf("kiln serve: %s: shutting down\n", signame);
        fflush(stdout);
    }
    server_stop(s);
    return 0;
}
