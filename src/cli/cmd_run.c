/* cmd_run.c — `kiln run`: runs a WASI command (its _start), or calls one
 * export with --invoke, the way wasmtime users expect. Exit status: the
 * guest's proc_exit code, 0 when _start returns, 134 on a trap, 1 for a
 * command-line mistake, and the kind's status (errkind.c) for kiln's own
 * failures: an unreadable or invalid module, a link error, a limit. */
#include <errno.h>
#include <inttypes.h>
#include <limits.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "kiln.h"
#include "kiln_meter.h"
#include "kiln_wasi.h"
#include "cli/cli.h"
#include "cli/diagout.h"
#include "cli/options.h"
#include "cli/project.h"
#include "cli/tier.h"
#include "diag/diag.h"

#define TRAP_EXIT_STATUS 134 /* what a shell shows for SIGABRT; wasmtime uses it too */

static const char help[] =
    "NAME\n"
    "    kiln run - run a WebAssembly module\n"
    "\n"
    "SYNOPSIS\n"
    "    kiln run [OPTIONS] MODULE.wasm [ARGS...]\n"
    "    kiln MODULE.wasm [ARGS...]\n"
    "    kiln run [OPTIONS] [PROJECT-DIR [ARGS...]]\n"
    "\n"
    "DESCRIPTION\n"
    "    Loads MODULE.wasm, links it against WASI preview 1\n"
    "    (wasi_snapshot_preview1) and runs it. A command module (one that\n"
    "    exports _start, as C and C++ programs built for wasm32-wasi do) runs\n"
    "    from _start with ARGS as its arguments; its argv[0] is MODULE as\n"
    "    given. With --invoke, kiln calls that export instead, reading its\n"
    "    arguments from ARGS and printing its results. A reactor module (one\n"
    "    that exports _initialize) is initialised first and then needs\n"
    "    --invoke.\n"
    "\n"
    "    MODULE may be in the text format (a .wat file): kiln assembles it\n"
    "    with wabt's parser first; an error names FILE:LINE:COLUMN.\n"
    "\n"
    "    The guest sees only what it is given: its arguments, the environment\n"
    "    variables passed with --env (none are inherited otherwise), and the\n"
    "    directories passed with --dir. Paths never lead out of a preopened\n"
    "    directory, whether by \"..\", absolute paths or symlinks. Standard\n"
    "    input, output and error are kiln's own.\n"
    "\n"
    "    Without MODULE (or with a directory holding a kiln.toml), kiln runs\n"
    "    the project's module: kiln.toml, found in the current directory or\n"
    "    the nearest one above it, names it ([module] wasm) and gives its\n"
    "    [limits] and [env]; the options given here override them\n"
    "    (docs/project.md).\n"
    "\n"
    "    Options end at the module name: everything after it goes to the\n"
    "    guest, even if it starts with '-'.\n"
    "\n"
    "OPTIONS\n"
    "    --dir HOST[::GUEST]\n"
    "        Give the guest the host directory HOST, under the name GUEST\n"
    "        (default: HOST as written). Use --dir .::/ to make the current\n"
    "        directory the guest's root. Repeatable.\n"
    "\n"
    "    --env NAME=VALUE\n"
    "        Set the guest environment variable NAME. --env NAME alone passes\n"
    "        on the host's value of NAME, if it has one. Repeatable.\n"
    "\n"
    "    --invoke FUNC\n"
    "        Call the exported function FUNC instead of _start. ARGS are its\n"
    "        parameters, one per parameter, read by the parameter's type:\n"
    "        i32 and i64 in decimal (negative allowed) or 0x hexadecimal; f32\n"
    "        and f64 as decimal or hexadecimal floating point, nan, inf or\n"
    "        -inf. Each result is printed on its own line: integers in signed\n"
    "        decimal, floats in the shortest form that reads back exactly.\n"
    "\n"
    "LIMITS\n"
    "    A guest stopped by a limit traps (exit status 134) with a message\n"
    "    naming the limit. Fuel and deadlines are checked at loop back-edges,\n"
    "    calls and returns, so the trap comes at most one loop iteration or\n"
    "    one call after the limit is reached (docs/metering.md).\n"
    "\n"
    "    --fuel N\n"
    "        Stop the guest after N units of fuel: wasm instructions weighted\n"
    "        by kiln's cost table (most cost 1; block, loop, end and nop 0;\n"
    "        bulk memory 1 per 64 bytes). The count is deterministic: the\n"
    "        same module and input spend the same fuel on every run. One\n"
    "        budget serves the whole run, start function included.\n"
    "\n"
    "    --timeout DURATION\n"
    "        Stop the guest when DURATION of wall time has passed: 500ms, 2s,\n"
    "        1.5m (units ns, us, ms, s, m). Interrupts loops, the start\n"
    "        function and blocking WASI calls (poll_oneoff, sleep). One\n"
    "        deadline covers the whole run: the start function, _initialize\n"
    "        and _start (or the --invoke function) together.\n"
    "\n"
    "    --max-memory SIZE\n"
    "        Cap linear memory at SIZE: bytes, or with a unit KiB, MiB, GiB\n"
    "        (K, M, G and KB, MB, GB mean the same, powers of 1024).\n"
    "        memory.grow past it returns -1 (malloc returns NULL); a module\n"
    "        whose initial memory is larger fails to start. Table slots (8\n"
    "        bytes each) and what WASI allocates for the guest count against\n"
    "        the same limit. Default 4GiB.\n"
    "\n"
    "    --max-table-elements N\n"
    "        Cap every table at N elements (default 10000000).\n"
    "\n"
    "    --max-stack SIZE\n"
    "        The wasm value stack (locals and operands of every active call),\n"
    "        as for --max-memory. Deeper recursion traps with \"call stack\n"
    "        exhausted\". Default 8MiB; calls nest at most 100000 deep.\n"
    "\n"
    "    --max-compiled-size SIZE\n"
    "        The most memory the module may take once compiled, as for\n"
    "        --max-memory (default 256MiB; kiln inspect shows what a module\n"
    "        takes). A module past it is refused while it compiles, exit 68\n"
    "        (docs/errors.md): millions of tiny functions cost memory, not\n"
    "        bytes.\n"
    "\n"
    "USAGE AND COST\n"
    "    --stats, --stats=table\n"
    "        After the run, print on standard error what it consumed and what\n"
    "        it would cost: instructions, CPU time, wall time, peak memory,\n"
    "        memory x time, host calls, I/O bytes, cost per call and per\n"
    "        million calls. Printed also when the guest traps or exits.\n"
    "\n"
    "    --stats=json\n"
    "        The same as one JSON object on one line of standard error:\n"
    "          instructions        fuel spent (deterministic)\n"
    "          cpu_ns              CPU time of the thread running the guest,\n"
    "                              host calls included (nanoseconds)\n"
    "          wall_ns             elapsed time (nanoseconds)\n"
    "          memory_bytes        linear memory at the end\n"
    "          peak_memory_bytes   the most linear memory there was\n"
    "          memory_gib_seconds  linear memory integrated over wall time,\n"
    "                              in GiB-seconds (1 GiB = 2^30 bytes)\n"
    "          calls               entries into the guest (start function,\n"
    "                              _initialize, _start or --invoke)\n"
    "          host_calls          calls from the guest into the host\n"
    "          wasi.calls          calls into WASI functions, all of them\n"
    "          wasi.calls_by_function  {\"fd_write\": 3, ...}: the non-zero ones\n"
    "          wasi.stdin_bytes, wasi.stdout_bytes, wasi.stderr_bytes,\n"
    "          wasi.file_read_bytes, wasi.file_write_bytes,\n"
    "          wasi.net_read_bytes, wasi.net_write_bytes\n"
    "                              bytes through WASI\n"
    "          wasi.io_bytes       their sum\n"
    "          trap                how it ended: \"none\", \"exit\" (proc_exit),\n"
    "                              or the trap: \"out_of_fuel\", \"timeout\",\n"
    "                              \"call_stack_exhausted\", \"unreachable\",\n"
    "                              \"memory_out_of_bounds\", ...\n"
    "          exit_code           the proc_exit code, or null\n"
    "          limits              fuel, timeout_ns, max_memory_bytes,\n"
    "                              max_table_elements, max_stack_bytes as\n"
    "                              given (0: not set, the default applies)\n"
    "          cost.prices, cost.currency\n"
    "                              the price table used and its currency\n"
    "          cost.per_call, cost.per_million_calls\n"
    "                              what this run costs once and 10^6 times\n"
    "          cost.requests, cost.memory, cost.cpu, cost.instructions,\n"
    "          cost.io             the parts of cost.per_call\n"
    "\n"
    "    --prices NAME|FILE\n"
    "        The price table for --stats: a built-in one, aws-lambda-x86 (the\n"
    "        default: $0.20 per million requests, $0.0000166667 per GB-second)\n"
    "        or cloudflare-workers ($0.30 per million requests, $0.02 per\n"
    "        million CPU ms), or a file of 'key = value' lines: currency,\n"
    "        per_million_requests, per_gb_second, per_million_cpu_ms,\n"
    "        per_billion_instructions, per_gb_io (docs/metering.md).\n"
    "\n"
    "DIAGNOSTICS\n"
    "    --backtrace 0|1|full\n"
    "        How much a trap report shows (over KILN_BACKTRACE): 0 one line;\n"
    "        1 (the default) the message, a hint, the backtrace without the\n"
    "        C runtime's startup frames and the trapping source line; full\n"
    "        every frame with its offsets and a source line for each\n"
    "        (docs/diagnostics.md).\n"
    "\n"
    "    --coredump=FILE\n"
    "        When the guest traps (not when it exits), write a WebAssembly\n"
    "        coredump to FILE: the frames with their locals, linear memory and\n"
    "        globals, in the tool-conventions Coredump.md format. Read it with\n"
    "        'kiln coredump FILE --module MODULE.wasm' (docs/diagnostics.md).\n"
    "\n"
    "    --profile=FILE\n"
    "        Profile the run and write FILE when it ends (returned, trapped or\n"
    "        exited): collapsed stacks (\"_start;main;f 1234\" lines, for\n"
    "        flamegraph.pl or speedscope), or an SVG flame graph when FILE ends\n"
    "        in .svg. Weights are fuel (weighted wasm instructions), so the\n"
    "        same program and input give the same file. A table of the\n"
    "        functions with the most self fuel goes to standard error.\n"
    "\n"
    "    --profile-format=collapsed|table|svg\n"
    "        What --profile writes, whatever FILE's name: the table writes\n"
    "        every function's self and total fuel, calls and percentages.\n"
    "\n"
    "EXECUTION TIER\n"
    CLI_TIER_HELP
    "OTHER OPTIONS\n"
    "    --\n"
    "        End of options; the next argument is the module.\n"
    "\n"
    "    -h, --help\n"
    "        Show this help.\n"
    "\n"
    "EXIT STATUS\n"
    "    The guest's own exit code when it calls proc_exit (exit() in C).\n"
    "    0 when _start, or the --invoke function, returns normally.\n"
    "    134 when the guest traps, by a limit or otherwise; the trap is\n"
    "    reported on standard error.\n"
    "    1 for a command-line mistake: a bad option, a bad --invoke argument.\n"
    "    64 to 74 for kiln's own failures, one status per kind of error: a\n"
    "    module that cannot be read (66 when absent), is not valid WebAssembly\n"
    "    (65), cannot be linked (67), exceeds a limit (68); 'kiln --help'\n"
    "    lists them all.\n"
    "\n"
    "EXAMPLES\n"
    "    kiln run hello.wasm\n"
    "        Run a C program's main().\n"
    "\n"
    "    kiln run --dir data::/data --env LANG=C resize.wasm /data/in.png /data/out.png\n"
    "        Give the guest ./data as /data and one environment variable.\n"
    "\n"
    "    kiln run --invoke add math.wasm 2 40\n"
    "        Call the export add(i32, i32) and print 42.\n"
    "\n"
    "    kiln run --invoke scale math.wasm 0x10 -1.5 nan\n"
    "        Hexadecimal and floating-point arguments.\n"
    "\n"
    "    kiln run --fuel 1000000000 --timeout 2s --max-memory 256MiB --stats app.wasm\n"
    "        Bound a run and print what it consumed and what it costs.\n"
    "\n"
    "    kiln run --stats=json --prices cloudflare-workers app.wasm\n"
    "        The usage record as JSON, priced as a Cloudflare Worker.\n";

typedef struct opts {
    const char *module;
    const char *invoke;
    kiln_wasi_preopen *dirs;
    size_t ndirs;
    const char **env;
    size_t nenv;
    char **args;   /* after the module */
    int nargs;
    /* Limits and metering (--fuel ... --prices); the *_arg strings are the
     * values as given, for messages that name the limit. */
    kiln_limits limits;
    const char *fuel_arg, *timeout_arg, *max_memory_arg, *max_stack_arg;
    uint64_t max_compiled; /* --max-compiled-size (0: the engine's default) */
    int stats; /* 0: none, 1: table, 2: json */
    const char *prices;
    cli_diagout *diag; /* --coredump, --profile */
    cli_tier tier;     /* --tier, --cache, --no-cache, --cc */
    bool backtrace_set; /* --backtrace: over KILN_BACKTRACE */
    diag_detail backtrace;
    char project_path[PATH_MAX]; /* kiln.toml, when the module is a project's */
    cli_project project;
    char project_module[PATH_MAX * 2];
} opts;

static int usage_error(const char *fmt, const char *arg) {
    fprintf(stderr, "kiln run: ");
    fprintf(stderr, fmt, arg);
    fprintf(stderr, "\nRun 'kiln run --help' for the options.\n");
    return 1;
}

/* The value of an option given as "--opt VALUE" or "--opt=VALUE". */
static const char *optval(int argc, char **argv, int *i, const char *name) {
    size_t n = strlen(name);
    const char *a = argv[*i];
    if (a[n] == '=') return a + n + 1;
    if (*i + 1 >= argc) return NULL;
    return argv[++*i];
}

static bool is_opt(const char *a, const char *name) {
    size_t n = strlen(name);
    return !strncmp(a, name, n) && (a[n] == 0 || a[n] == '=');
}


/* --fuel and friends: "--opt VALUE" or "--opt=VALUE", parsed by `fn` into
 * *out. Returns -1 to go on, or an exit status. */
static int limit_opt(int argc, char **argv, int *i, const char *name, const char **arg,
                     bool (*fn)(const char *, uint64_t *, kiln_error *), uint64_t *out) {
    const char *v = optval(argc, argv, i, name);
    if (!v || !*v) {
        fprintf(stderr, "kiln run: %s needs a value\nRun 'kiln run --help' for the options.\n", name);
        return 1;
    }
    kiln_error err = {0};
    if (!fn(v, out, &err)) {
        fprintf(stderr, "kiln run: bad %s: %s\nRun 'kiln run --help' for the options.\n", name, err.message);
        return 1;
    }
    if (arg) *arg = v;
    return -1;
}

/* A preopen is the user's decision, but some directories give away more
 * than their name suggests: say so (on stderr, once per --dir). The path
 * is resolved first, so a symlink to /proc or /proc/self warns too. */
static void warn_system_dir(const char *host) {
    static const struct { const char *dir, *what; } system_dirs[] = {
        {"/proc", "the host's process information: every process's command line, and for your own processes "
                  "their environment variables, memory maps and open files"},
        {"/sys", "the host's kernel, hardware and device information"},
        {"/dev", "the host's device files (terminals, disks where permissions allow)"},
    };
    char real[PATH_MAX];
    if (!realpath(host, real)) return; /* the preopen itself will say what is wrong */
    char shown[2 * PATH_MAX + 4];
    if (strcmp(host, real)) snprintf(shown, sizeof shown, "%s (%s)", host, real);
    else snprintf(shown, sizeof shown, "%s", host);
    if (!strcmp(real, "/")) {
        fprintf(stderr, "kiln run: warning: --dir %s gives the guest the whole host filesystem, including /proc "
                        "(%s), /sys and /dev\n", shown, system_dirs[0].what);
        return;
    }
    for (size_t i = 0; i < sizeof system_dirs / sizeof system_dirs[0]; i++) {
        size_t n = strlen(system_dirs[i].dir);
        if (!strncmp(real, system_dirs[i].dir, n) && (real[n] == 0 || real[n] == '/')) {
            fprintf(stderr, "kiln run: warning: --dir %s gives the guest %s\n", shown, system_dirs[i].what);
            return;
        }
    }
}

static bool parse_fuel(const char *s, uint64_t *n, kiln_error *err) { return kiln_parse_fuel(s, false, n, err); }

/* Returns -1 to go on, or an exit status. */
static int parse(int argc, char **argv, opts *o) {
    int i = 1;
    for (; i < argc; i++) {
        const char *a = argv[i];
        if (!strcmp(a, "--")) { i++; break; }
        if (a[0] != '-' || !a[1]) break;
        if (!strcmp(a, "-h") || !strcmp(a, "--help")) {
            fputs(help, stdout);
            return 0;
        }
        if (is_opt(a, "--dir")) {
            const char *v = optval(argc, argv, &i, "--dir");
            if (!v || !*v) return usage_error("%s needs a directory: --dir HOST[::GUEST]", "--dir");
            kiln_wasi_preopen *nd = realloc(o->dirs, (o->ndirs + 1) * sizeof *nd);
            if (!nd) return cli_fail("run", "out of memory");
            o->dirs = nd;
            char *host = strdup(v);
            if (!host) return cli_fail("run", "out of memory");
            char *sep = strstr(host, "::");
            const char *guest = host;
            if (sep) {
                *sep = 0;
                guest = sep + 2;
                if (!*host || !*guest) {
                    free(host);
                    return usage_error("bad --dir '%s': want HOST or HOST::GUEST", v);
                }
            }
            o->dirs[o->ndirs++] = (kiln_wasi_preopen){host, guest};
            warn_system_dir(host);
            continue;
        }
        if (is_opt(a, "--env")) {
            const char *v = optval(argc, argv, &i, "--env");
            if (!v || !*v || *v == '=') return usage_error("%s needs NAME=VALUE", "--env");
            const char **ne = realloc(o->env, (o->nenv + 1) * sizeof *ne);
            if (!ne) return cli_fail("run", "out of memory");
            o->env = ne;
            /* --env NAME: the host's value, when there is one. */
            const char *hv = NULL;
            if (!strchr(v, '=') && !(hv = getenv(v))) continue;
            size_t l = strlen(v) + (hv ? strlen(hv) + 1 : 0) + 1;
            char *kv = malloc(l);
            if (!kv) return cli_fail("run", "out of memory");
            if (hv) snprintf(kv, l, "%s=%s", v, hv);
            else memcpy(kv, v, l);
            o->env[o->nenv++] = kv;
            continue;
        }
        if (is_opt(a, "--fuel")) {
            int st = limit_opt(argc, argv, &i, "--fuel", &o->fuel_arg, parse_fuel, &o->limits.fuel);
            if (st >= 0) return st;
            continue;
        }
        if (is_opt(a, "--timeout")) {
            int st = limit_opt(argc, argv, &i, "--timeout", &o->timeout_arg, kiln_parse_duration, &o->limits.timeout_ns);
            o->limits.timeout_whole_store = true; /* one deadline for the whole run */
            if (st >= 0) return st;
            continue;
        }
        if (is_opt(a, "--max-memory")) {
            int st = limit_opt(argc, argv, &i, "--max-memory", &o->max_memory_arg, kiln_parse_size,
                               &o->limits.max_memory_bytes);
            if (st >= 0) return st;
            /* Above 4 GiB only a memory64 memory can use it (memory32 stops there). */
            if (o->limits.max_memory_bytes > KILN_MAX_MEMORY_BYTES)
                return usage_error("--max-memory %s is more than kiln's memories can hold (1TiB, memory64; a 32-bit "
                                   "memory stops at 4GiB)", o->max_memory_arg);
            continue;
        }
        if (is_opt(a, "--max-table-elements")) {
            uint64_t n = 0;
            int st = limit_opt(argc, argv, &i, "--max-table-elements", NULL, kiln_parse_count, &n);
            if (st >= 0) return st;
            if (n > UINT32_MAX) return usage_error("--max-table-elements: %s is more than 4294967295", argv[i]);
            o->limits.max_table_elements = (uint32_t)n;
            continue;
        }
        if (is_opt(a, "--max-stack")) {
            int st = limit_opt(argc, argv, &i, "--max-stack", &o->max_stack_arg, kiln_parse_size,
                               &o->limits.max_stack_bytes);
            if (st >= 0) return st;
            /* Room for a few frames at least; the stack is allocated whole. */
            if (o->limits.max_stack_bytes < 1024 || o->limits.max_stack_bytes > ((uint64_t)1 << 32))
                return usage_error("--max-stack %s: want between 1KiB and 4GiB", o->max_stack_arg);
            continue;
        }
        if (is_opt(a, "--max-compiled-size")) {
            const char *arg = NULL;
            int st = limit_opt(argc, argv, &i, "--max-compiled-size", &arg, kiln_parse_size, &o->max_compiled);
            if (st >= 0) return st;
            if (!o->max_compiled) return usage_error("--max-compiled-size %s: want a size such as 256MiB", arg);
            continue;
        }
        if (is_opt(a, "--stats")) {
            /* Only the "=" form takes a value: the next argument is the module. */
            if (!a[7] && i + 1 < argc && (!strcmp(argv[i + 1], "json") || !strcmp(argv[i + 1], "table")))
                return usage_error("--stats takes its format after '=': --stats=%s", argv[i + 1]);
            if (!a[7] || !strcmp(a + 7, "=table")) o->stats = 1;
            else if (!strcmp(a + 7, "=json")) o->stats = 2;
            else return usage_error("bad %s: want --stats, --stats=table or --stats=json", a);
            continue;
        }
        if (is_opt(a, "--prices")) {
            const char *v = optval(argc, argv, &i, "--prices");
            if (!v || !*v) return usage_error("%s needs a price table: a built-in name or a file", "--prices");
            o->prices = v;
            continue;
        }
        if (is_opt(a, "--backtrace")) {
            const char *v = optval(argc, argv, &i, "--backtrace");
            if (!v || !diag_detail_parse(v, &o->backtrace))
                return usage_error("--backtrace wants 0, 1 or full (got '%s')", v ? v : "");
            o->backtrace_set = true;
            continue;
        }
        if (is_opt(a, "--invoke")) {
            const char *v = optval(argc, argv, &i, "--invoke");
            if (!v || !*v) return usage_error("%s needs a function name", "--invoke");
            o->invoke = v;
            continue;
        }
        int dst = cli_diagout_option(o->diag, argc, argv, &i);
        if (dst < 0) return 1;
        if (dst) continue;
        int tr = cli_tier_parse(&o->tier, "run", argc, argv, &i);
        if (tr > 0) return 1;
        if (tr == 0) continue;
        /* An unknown flag: suggest the option it most likely meant (options.c). */
        return cli_unknown_option("run", a);
    }
    if (i >= argc) {
        /* No module: the project's (kiln.toml, here or above). */
        if (cli_project_find(NULL, o->project_path, sizeof o->project_path) != 0)
            return usage_error("%s", "no module given, and no kiln.toml here or above: kiln run [OPTIONS] MODULE.wasm [ARGS...]");
        o->module = NULL;
        o->args = argv + i;
        o->nargs = 0;
        return -1;
    }
    o->module = argv[i++];
    /* A directory holding kiln.toml: that project's module. */
    struct stat sb;
    if (stat(o->module, &sb) == 0 && S_ISDIR(sb.st_mode)) {
        snprintf(o->project_path, sizeof o->project_path, "%s/%s", o->module, CLI_PROJECT_FILE);
        if (access(o->project_path, F_OK) != 0) {
            /* a file error, not a usage one: one line, as for a missing file */
            fprintf(stderr, "kiln run: %s is a directory without a kiln.toml: name a module file\n", o->module);
            return 1;
        }
        o->module = NULL;
    }
    o->args = argv + i;
    o->nargs = argc - i;
    return -1;
}

/* ---------------------------------------------------------------- values */

static bool parse_int(const char *s, bool is64, int64_t *out) {
    errno = 0;
    char *end;
    bool neg = *s == '-';
    const char *p = neg || *s == '+' ? s + 1 : s;
    if (!*p || *p == '-' || *p == '+') return false;
    uint64_t u = strtoull(p, &end, (p[0] == '0' && (p[1] == 'x' || p[1] == 'X')) ? 16 : 10);
    if (errno || *end || end == p) return false;
    uint64_t lim = is64 ? UINT64_MAX : UINT32_MAX;
    if (neg) {
        uint64_t nlim = is64 ? (uint64_t)INT64_MAX + 1 : (uint64_t)INT32_MAX + 1;
        if (u > nlim) return false;
        *out = (int64_t)(0 - u);
    } else {
        if (u > lim) return false;
        *out = (int64_t)u;
    }
    return true;
}

static bool parse_val(const char *s, kiln_valtype t, kiln_val *v) {
    v->type = t;
    int64_t i;
    char *end;
    switch (t) {
    case KILN_I32:
        if (!parse_int(s, false, &i)) return false;
        v->of.i32 = (int32_t)(uint32_t)i;
        return true;
    case KILN_I64:
        if (!parse_int(s, true, &i)) return false;
        v->of.i64 = i;
        return true;
    case KILN_F32: {
        errno = 0;
        float f = strtof(s, &end);
        if (end == s || *end) return false;
        memcpy(&v->of.f32_bits, &f, 4);
        return true;
    }
    case KILN_F64: {
        errno = 0;
        double d = strtod(s, &end);
        if (end == s || *end) return false;
        memcpy(&v->of.f64_bits, &d, 8);
        return true;
    }
    default:
        return false;
    }
}

/* Shortest decimal that reads back as the same value. */
static void print_float(double d, bool is32) {
    if (isnan(d)) { puts(signbit(d) ? "-nan" : "nan"); return; }
    if (isinf(d)) { puts(d < 0 ? "-inf" : "inf"); return; }
    char buf[64];
    for (int prec = 1; prec <= 17; prec++) {
        snprintf(buf, sizeof buf, "%.*g", prec, d);
        if (is32 ? strtof(buf, NULL) == (float)d : strtod(buf, NULL) == d) break;
    }
    puts(buf);
}

static void print_val(const kiln_val *v) {
    switch (v->type) {
    case KILN_I32: printf("%" PRId32 "\n", v->of.i32); break;
    case KILN_I64: printf("%" PRId64 "\n", v->of.i64); break;
    case KILN_F32: { float f; memcpy(&f, &v->of.f32_bits, 4); print_float(f, true); break; }
    case KILN_F64: { double d; memcpy(&d, &v->of.f64_bits, 8); print_float(d, false); break; }
    case KILN_V128:
        printf("0x");
        for (int i = 15; i >= 0; i--) printf("%02x", v->of.v128[i]);
        printf("\n");
        break;
    case KILN_FUNCREF: puts(v->of.funcref ? "funcref" : "null"); break;
    case KILN_EXTERNREF: puts(v->of.externref ? "externref" : "null"); break;
    default: puts("?"); break;
    }
}

/* ---------------------------------------------------------------- reports */

/* THE TRAP REPORT CALL SITE. Every trap `kiln run` reports goes through
 * here: src/diag symbolicates the frames (function names from the name
 * section, file:line:column and inline chains from DWARF, demangled C++),
 * shows the trapping source line when the file is readable, and recognises
 * a C stack overflow from the shadow stack pointer. The symbol index is
 * built only now, on the first trap: debug info costs nothing until then.
 * KILN_BACKTRACE=0|1|full sets the detail. */
static void report_trap(const kiln_trap *t, const kiln_module *m, const opts *o) {
    size_t len;
    const uint8_t *bytes = kiln_module_bytes(m, &len);
    kiln_error err = {0};
    diag_symbols *syms = diag_symbols_build(bytes, len, &err);
    diag_report_opts ro = {.detail = o->backtrace_set ? o->backtrace : diag_detail_from_env(), .module = m};
    /* The shadow stack pointer's value now, when the trapping frame's
     * instance has one: it tells a C stack overflow from a wild pointer. */
    uint32_t spg = syms ? diag_symbols_stack_pointer_global(syms, NULL) : DIAG_NONE;
    if (spg != DIAG_NONE && t->nframes && t->frames[0].instance) {
        kiln_global *g = kiln_instance_global_at((kiln_instance *)t->frames[0].instance, spg);
        kiln_val v;
        if (g && (v = kiln_global_get(g)).type == KILN_I32) {
            ro.stack_pointer_known = true;
            ro.stack_pointer = (uint32_t)v.of.i32;
        }
    }
    if (diag_format_trap(t, syms, &ro, stderr) != 0) {
        fprintf(stderr, "error: wasm trap: %s\n", t->message[0] ? t->message : kiln_trap_kind_message(t->kind));
        if (t->detail[0]) fprintf(stderr, "  %s\n", t->detail);
    }
    diag_symbols_free(syms);
}

static void list_exports(const kiln_module *m) {
    uint32_t n = kiln_module_export_count(m);
    if (n == 0) { fprintf(stderr, "  (the module exports nothing)\n"); return; }
    fprintf(stderr, "  its exports:\n");
    for (uint32_t i = 0; i < n; i++) {
        kiln_externdesc d;
        kiln_module_export(m, i, &d);
        char sig[256] = "";
        if (d.kind == KILN_EXTERN_FUNC) kiln_functype_format(&d.func, sig, sizeof sig);
        fprintf(stderr, "    %s %s%s%s\n", kiln_externkind_name(d.kind), d.name, sig[0] ? " " : "", sig);
    }
}

/* A trap that a limit caused: one line naming the limit and its option. */
static void report_limit(const kiln_trap *t, const opts *o) {
    const char *d = t->detail;
    switch (t->kind) {
    case KILN_TRAP_OUT_OF_FUEL:
        fprintf(stderr, "kiln run: stopped by --fuel %s: out of fuel: %s\n", o->fuel_arg ? o->fuel_arg : "?", d);
        break;
    case KILN_TRAP_TIMEOUT:
        fprintf(stderr, "kiln run: stopped by --timeout %s: deadline exceeded: %s\n",
                o->timeout_arg ? o->timeout_arg : "?", d);
        break;
    case KILN_TRAP_CALL_STACK_EXHAUSTED:
        if (o->max_stack_arg) fprintf(stderr, "kiln run: stopped by --max-stack %s: call stack exhausted: %s\n", o->max_stack_arg, d);
        else fprintf(stderr, "kiln run: call stack exhausted: %s (--max-stack sets the value stack)\n", d);
        break;
    default:
        break;
    }
}

/* A finished call: the exit status it means, reporting what needs it. */
static int outcome(kiln_status st, kiln_trap *trap, const kiln_error *err, const kiln_module *m,
                   const char *path, const char *what, const opts *o, kiln_meter *mt) {
    if (st == KILN_OK) return 0;
    if (st == KILN_ERROR) return cli_fail_code("run", err->code, "%s: cannot call %s: %s", path, what, err->message);
    kiln_meter_note_trap(mt, trap);
    int code;
    if (trap->kind == KILN_TRAP_EXIT) {
        code = trap->exit_code;
    } else {
        fflush(stdout);
        report_trap(trap, m, o);
        report_limit(trap, o);
        cli_diagout_trap(o->diag, trap);
        code = TRAP_EXIT_STATUS;
    }
    kiln_trap_free(trap);
    return code;
}

/* ---------------------------------------------------------------- run */

/* --prices NAME|FILE: a built-in table by name, else a file. */
static bool load_prices(const char *name, kiln_prices *out) {
    if (kiln_prices_builtin(name, out)) return true;
    if (!strchr(name, '/') && access(name, F_OK) != 0) {
        cli_fail("run", "--prices: no built-in price table '%s' (built in: aws-lambda-x86, cloudflare-workers) "
                        "and no file of that name", name);
        return false;
    }
    kiln_error err = {0};
    if (!kiln_prices_load(name, out, &err)) { cli_fail("run", "--prices: %s", err.message); return false; }
    return true;
}

/* The end of a metered run: the usage record on stderr (--stats), after
 * everything the guest printed, and a note when a guest that failed under
 * --max-memory may have met the cap (the engine refuses memory.grow
 * quietly, as the spec wants, so the guest's own failure is all one sees). */
static void finish_meter(const opts *o, kiln_meter *mt, const kiln_prices *prices) {
    kiln_usage u;
    kiln_meter_stop(mt, &u);
    fflush(stdout);
    if (o->max_memory_arg && u.trap != KILN_TRAP_NONE && !(u.trap == KILN_TRAP_EXIT && u.exit_code == 0))
        fprintf(stderr, "kiln run: note: linear memory peaked at %" PRIu64 " bytes under --max-memory %s "
                        "(%" PRIu64 " bytes); memory.grow fails past it\n",
                u.peak_memory_bytes, o->max_memory_arg, o->limits.max_memory_bytes);
    if (!o->stats) return;
    char *text = o->stats == 2 ? kiln_usage_json(&u, prices, &o->limits) : kiln_usage_table(&u, prices);
    if (!text) { cli_fail("run", "out of memory rendering the usage record"); return; }
    if (o->stats == 2) fprintf(stderr, "%s\n", text);
    else fprintf(stderr, "kiln run: usage of %s\n%s", o->module, text);
    free(text);
}

static int run(opts *o) {
    int status = 1;
    size_t len;
    unsigned char *bytes = cli_read_file(o->module, &len);
    if (!bytes) return cli_fail_code("run", cli_errno_code(errno), "cannot read '%s': %s", o->module, strerror(errno));
    /* The text format's errors are the module's. */
    if (!(bytes = cli_text_to_binary("run", o->module, bytes, &len))) return kiln_error_kind_of(KILN_ERR_INVALID)->exit_status;
    kiln_error err = {0};
    kiln_engine *engine = NULL;
    kiln_module *m = NULL;
    kiln_linker *l = NULL;
    kiln_wasi *w = NULL;
    kiln_store *s = NULL;
    const char **argv = NULL;
    kiln_meter meter;
    bool metered = false;
    kiln_prices prices = {.currency = ""};
    /* Read the price table first: a bad one should not cost a run. */
    if ((o->stats || o->prices) && !load_prices(o->prices ? o->prices : "aws-lambda-x86", &prices)) {
        free(bytes);
        return 1;
    }

    kiln_config cfg = {.max_module_bytes = o->max_compiled, .max_module_bytes_option = "--max-compiled-size"};
    if (!(engine = kiln_engine_new(&cfg, &err))) { status = cli_fail_code("run", err.code, "%s", err.message); goto out; }
    if (!(m = kiln_module_new(engine, bytes, len, &err))) {
        status = err.code == KILN_ERR_INVALID
                     ? cli_fail_code("run", err.code, "%s: not a valid WebAssembly module: %s", o->module, err.message)
                     : cli_fail_code("run", err.code, "%s: %s", o->module, err.message);
        goto out;
    }
    /* A coredump records every frame's locals, which native code keeps in
     * registers: a run that may write one interprets. */
    if (o->diag->coredump_path) { o->tier.tier = TIER_INTERP; o->tier.set = true; }
    if (!cli_tier_prepare(&o->tier, "run", m)) { status = 1; goto out; }
    if (!(l = kiln_linker_new(engine))) { status = cli_fail_code("run", KILN_ERR_NO_MEMORY, "out of memory"); goto out; }
    if (!kiln_wasi_define(l, &err)) { status = cli_fail_code("run", err.code, "%s", err.message); goto out; }

    if (!(argv = calloc((size_t)o->nargs + 1, sizeof *argv))) { status = cli_fail_code("run", KILN_ERR_NO_MEMORY, "out of memory"); goto out; }
    argv[0] = o->module;
    for (int i = 0; i < o->nargs; i++) argv[i + 1] = o->args[i];
    kiln_wasi_config wc = {
        .argv = argv, .argc = (size_t)o->nargs + 1,
        .env = o->env, .envc = o->nenv,
        .preopens = o->dirs, .npreopens = o->ndirs,
    };
    if (!(w = kiln_wasi_new(&wc, &err))) { status = cli_fail_code("run", err.code, "%s", err.message); goto out; }
    if (!(s = kiln_store_new(engine, &o->limits, NULL))) { status = cli_fail_code("run", KILN_ERR_NO_MEMORY, "out of memory"); goto out; }
    if (!kiln_wasi_attach(w, s, &err)) { status = cli_fail_code("run", err.code, "%s", err.message); goto out; }
    if (!cli_diagout_start(o->diag, s, m, o->module)) goto out;

    /* Instantiation is metered too: data segments and the start function
     * are part of what a run costs. */
    kiln_meter_start(&meter, s, w);
    metered = true;
    kiln_trap *trap = NULL;
    kiln_instance *inst = kiln_instantiate(s, l, m, &trap, &err);
    if (!inst) {
        if (trap) {
            status = outcome(KILN_TRAPPED, trap, &err, m, o->module, "the start function", o, &meter);
        } else {
            /* Say which option to change when a limit refused the module. */
            const char *hint = "";
            bool limit = err.code == KILN_ERR_LIMIT;
            if (limit && strstr(err.message, "memory") && o->max_memory_arg)
                hint = " (raise --max-memory)";
            else if (limit && strstr(err.message, "table") && o->limits.max_table_elements)
                hint = " (raise --max-table-elements)";
            status = cli_fail_code("run", err.code, "%s: %s%s", o->module, err.message, hint);
        }
        goto out;
    }
    o->diag->instance = inst;
    cli_tier_attach(&o->tier, inst);

    kiln_func *init = kiln_instance_func(inst, "_initialize");
    kiln_func *start = kiln_instance_func(inst, "_start");
    if (!o->invoke && !start) {
        fprintf(stderr, "kiln run: %s: nothing to run: the module exports no _start%s; "
                        "name an export with --invoke FUNC\n",
                o->module, init ? " (it is a reactor: it exports _initialize)" : "");
        list_exports(m);
        status = kiln_error_kind_of(KILN_ERR_NOT_FOUND)->exit_status;
        goto out;
    }
    if (o->invoke && init) {
        kiln_status st = kiln_call(s, init, NULL, 0, NULL, 0, &trap, &err);
        if (st != KILN_OK) { status = outcome(st, trap, &err, m, o->module, "_initialize", o, &meter); goto out; }
    }
    if (!o->invoke) {
        kiln_status st = kiln_call(s, start, NULL, 0, NULL, 0, &trap, &err);
        status = outcome(st, trap, &err, m, o->module, "_start", o, &meter);
        goto out;
    }

    kiln_func *f = kiln_instance_func(inst, o->invoke);
    if (!f) {
        fprintf(stderr, "kiln run: %s: no exported function '%s'\n", o->module, o->invoke);
        list_exports(m);
        status = kiln_error_kind_of(KILN_ERR_NOT_FOUND)->exit_status;
        goto out;
    }
    kiln_functype ft;
    kiln_func_type(f, &ft);
    char sig[256];
    kiln_functype_format(&ft, sig, sizeof sig);
    if ((uint32_t)o->nargs != ft.nparams) {
        status = cli_fail("run", "%s %s takes %u argument(s), %d given", o->invoke, sig, ft.nparams, o->nargs);
        goto out;
    }
    kiln_val args[64], results[64];
    if (ft.nparams > 64 || ft.nresults > 64) { status = cli_fail("run", "%s: too many parameters or results", o->invoke); goto out; }
    for (uint32_t i = 0; i < ft.nparams; i++) {
        if (!parse_val(o->args[i], ft.params[i], &args[i])) {
            status = cli_fail("run", "argument %u of %s %s: '%s' is not a valid %s", i + 1, o->invoke, sig, o->args[i],
                              kiln_valtype_name(ft.params[i]));
            goto out;
        }
    }
    kiln_status st = kiln_call(s, f, args, ft.nparams, results, ft.nresults, &trap, &err);
    if (st == KILN_OK)
        for (uint32_t i = 0; i < ft.nresults; i++) print_val(&results[i]);
    status = outcome(st, trap, &err, m, o->module, o->invoke, o, &meter);
out:
    fflush(stdout);
    cli_tier_finish(&o->tier);
    if (metered) finish_meter(o, &meter, &prices);
    if (!cli_diagout_finish(o->diag) && status == 0) status = 1;
    kiln_store_free(s);
    kiln_wasi_free(w);
    kiln_linker_free(l);
    kiln_module_free(m);
    kiln_engine_free(engine);
    free(argv);
    free(bytes);
    return status;
}

/* kiln.toml's module, limits and environment, under what the flags set. */
static bool env_named(const opts *o, const char *kv) {
    size_t n = strcspn(kv, "=");
    for (size_t i = 0; i < o->nenv; i++)
        if (!strncmp(o->env[i], kv, n) && (o->env[i][n] == '=' || !o->env[i][n])) return true;
    return false;
}

static int apply_project(opts *o) {
    if (!cli_project_load("run", o->project_path, &o->project)) return 1;
    const cli_project *p = &o->project;
    cli_project_wasm_path(p, o->project_module, sizeof o->project_module);
    o->module = o->project_module;
    if (access(o->module, F_OK) != 0)
        return cli_fail("run", "%s: %s: build the project first (kiln build)", o->module, strerror(errno));
    kiln_error err = {0};
    if (p->fuel[0] && !o->fuel_arg && kiln_parse_fuel(p->fuel, false, &o->limits.fuel, &err)) o->fuel_arg = p->fuel;
    if (p->timeout && !o->timeout_arg && kiln_parse_duration(p->timeout, &o->limits.timeout_ns, &err)) {
        o->timeout_arg = p->timeout;
        o->limits.timeout_whole_store = true;
    }
    if (p->max_memory && !o->max_memory_arg && kiln_parse_size(p->max_memory, &o->limits.max_memory_bytes, &err))
        o->max_memory_arg = p->max_memory;
    size_t add = 0;
    for (size_t i = 0; i < p->nenv; i++) add += !env_named(o, p->env[i]);
    const char **ne = realloc(o->env, (o->nenv + add + 1) * sizeof *ne);
    if (!ne) return cli_fail("run", "out of memory");
    o->env = ne;
    for (size_t i = 0; i < p->nenv; i++) {
        if (env_named(o, p->env[i])) continue;
        char *kv = strdup(p->env[i]);
        if (!kv) return cli_fail("run", "out of memory");
        o->env[o->nenv++] = kv;
    }
    return -1;
}

int cmd_run(int argc, char **argv) {
    cli_diagout diag = {0};
    opts o = {.diag = &diag};
    int st = parse(argc, argv, &o);
    if (st < 0 && o.project_path[0]) st = apply_project(&o);
    if (st < 0) st = run(&o);
    if (o.project.doc) cli_project_free(&o.project);
    for (size_t i = 0; i < o.ndirs; i++) free((char *)o.dirs[i].host_path);
    free(o.dirs);
    for (size_t i = 0; i < o.nenv; i++) free((char *)o.env[i]);
    free(o.env);
    return st;
}
