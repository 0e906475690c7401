/* cmd_completion.c — `kiln completion bash|zsh|fish`: shell completion
 * scripts. They complete subcommands and flags, and ask the server (through
 * `kiln ls --names-only` and `kiln versions NAME --names-only`, with any
 * --server/--data already typed) for module names and versions. zsh uses
 * the bash script through its bashcompinit layer. */
#include <stdio.h>
#include <string.h>

#include "cli/cli.h"
#include "cli/options.h"

static const char help[] =
    "NAME\n"
    "    kiln completion - print a shell completion script\n"
    "\n"
    "SYNOPSIS\n"
    "    kiln completion bash|zsh|fish|zsh-file|options\n"
    "\n"
    "DESCRIPTION\n"
    "    Prints a script that completes kiln's subcommands and flags, and,\n"
    "    live from the server (KILN_SERVER, or --server/--data typed on the\n"
    "    line), module names and versions: after 'kiln promote ' it offers the\n"
    "    modules, after 'kiln promote hello ' hello's versions.\n"
    "\n"
    "    bash:  source <(kiln completion bash)     (e.g. in ~/.bashrc)\n"
    "    zsh:   source <(kiln completion zsh)      (e.g. in ~/.zshrc)\n"
    "    fish:  kiln completion fish > ~/.config/fish/completions/kiln.fish\n"
    "\n"
    "    zsh-file prints the autoloadable file make install puts in\n"
    "    PREFIX/share/zsh/vendor-completions/_kiln; make install also puts the\n"
    "    bash and fish scripts where those shells look (docs/install.md).\n"
    "    Commands, their options and kiln new's templates come from kiln's\n"
    "    own tables (src/cli/options.c); 'kiln completion options' prints\n"
    "    the option tables, a line per option: COMMAND OPTION ALIAS ARG\n"
    "    SAMPLE, tab-separated, '-' for none.\n"
    "\n"
    "EXIT STATUS\n"
    "    0; 1 for a shell it does not know.\n";

static const char bash_script[] =
    "# bash completion for kiln (kiln completion bash). Module names and versions\n"
    "# come live from the server: kiln ls --names-only, kiln versions NAME --names-only.\n"
    "_kiln() {\n"
    "    local cur prev cmd i\n"
    "    cur=\"${COMP_WORDS[COMP_CWORD]}\"\n"
    "    prev=\"${COMP_WORDS[COMP_CWORD-1]}\"\n"
    "    local kiln=\"${COMP_WORDS[0]}\"\n"
    "    local cmds=\"@CMDS@\"\n"
    "    COMPREPLY=()\n"
    "    if [ \"$COMP_CWORD\" -eq 1 ]; then\n"
    "        COMPREPLY=($(compgen -W \"$cmds --help --version\" -- \"$cur\"))\n"
    "        return 0\n"
    "    fi\n"
    "    cmd=\"${COMP_WORDS[1]}\"\n"
    "    local valued=\"@VALUED@\"\n"
    "    local flags\n"
    "    case \"$cmd\" in\n"
    "@FLAGS@"
    "        *) flags=\"--help\" ;;\n"
    "    esac\n"
    "    # The connection flags already typed, so live look-ups ask the same server.\n"
    "    local conn=()\n"
    "    for ((i = 2; i < COMP_CWORD; i++)); do\n"
    "        case \"${COMP_WORDS[i]}\" in\n"
    "            --server|--data) conn+=(\"${COMP_WORDS[i]}\" \"${COMP_WORDS[i+1]}\") ;;\n"
    "            --server=*|--data=*) conn+=(\"${COMP_WORDS[i]}\") ;;\n"
    "        esac\n"
    "    done\n"
    "    # Positional arguments typed so far (flag values skipped).\n"
    "    local pos=()\n"
    "    for ((i = 2; i < COMP_CWORD; i++)); do\n"
    "        local w=\"${COMP_WORDS[i]}\"\n"
    "        case \"$w\" in\n"
    "            -*=*) ;;\n"
    "            -*) case \" $valued \" in *\" $w \"*) i=$((i + 1)) ;; esac ;;\n"
    "            *) pos+=(\"$w\") ;;\n"
    "        esac\n"
    "    done\n"
    "    # The value of an option: from the option tables (src/cli/options.c).\n"
    "    case \"$cmd $prev\" in\n"
    "@VALUES@"
    "    esac\n"
    "    case \" $valued \" in *\" $prev \"*) return 0 ;; esac\n"
    "    if [[ \"$cur\" == -* ]]; then\n"
    "        COMPREPLY=($(compgen -W \"$flags\" -- \"$cur\"))\n"
    "        return 0\n"
    "    fi\n"
    "    case \"$cmd\" in\n"
    "        run|compile|deploy|inspect)\n"
    "            if [ ${#pos[@]} -eq 0 ]; then\n"
    "                COMPREPLY=($(compgen -f -X '!*.wasm' -- \"$cur\") $(compgen -f -X '!*.wat' -- \"$cur\") $(compgen -d -- \"$cur\"))\n"
    "            fi ;;\n"
    "        coredump) COMPREPLY=($(compgen -f -- \"$cur\")) ;;\n"
    "        spectest) COMPREPLY=($(compgen -f -X '!*.json' -- \"$cur\") $(compgen -d -- \"$cur\")) ;;\n"
    "        versions|history|traps|errors|logs|unpin|rollback|cost|dora|policy)\n"
    "            if [ ${#pos[@]} -eq 0 ]; then\n"
    "                COMPREPLY=($(compgen -W \"$(\"$kiln\" ls --names-only \"${conn[@]}\" 2>/dev/null)\" -- \"$cur\"))\n"
    "            fi ;;\n"
    "        rollout)\n"
    "            if [ ${#pos[@]} -eq 0 ]; then\n"
    "                COMPREPLY=($(compgen -W \"status abort $(\"$kiln\" ls --names-only \"${conn[@]}\" 2>/dev/null)\" -- \"$cur\"))\n"
    "            elif [ ${#pos[@]} -eq 1 ] && [ \"${pos[0]}\" != status ] && [ \"${pos[0]}\" != abort ]; then\n"
    "                COMPREPLY=($(compgen -W \"$(\"$kiln\" versions \"${pos[0]}\" --names-only \"${conn[@]}\" 2>/dev/null)\" -- \"$cur\"))\n"
    "            elif [ ${#pos[@]} -eq 1 ]; then\n"
    "                COMPREPLY=($(compgen -W \"$(\"$kiln\" ls --names-only \"${conn[@]}\" 2>/dev/null)\" -- \"$cur\"))\n"
    "            fi ;;\n"
    "        route)\n"
    "            if [ ${#pos[@]} -eq 0 ]; then\n"
    "                COMPREPLY=($(compgen -W \"add ls rm\" -- \"$cur\"))\n"
    "            elif [ ${#pos[@]} -eq 2 ] && [ \"${pos[0]}\" = add ]; then\n"
    "                COMPREPLY=($(compgen -W \"$(\"$kiln\" ls --names-only \"${conn[@]}\" 2>/dev/null)\" -- \"$cur\"))\n"
    "            fi ;;\n"
    "        promote|pin|mark-failed)\n"
    "            if [ ${#pos[@]} -eq 0 ]; then\n"
    "                COMPREPLY=($(compgen -W \"$(\"$kiln\" ls --names-only \"${conn[@]}\" 2>/dev/null)\" -- \"$cur\"))\n"
    "            elif [ ${#pos[@]} -eq 1 ]; then\n"
    "                COMPREPLY=($(compgen -W \"$(\"$kiln\" versions \"${pos[0]}\" --names-only \"${conn[@]}\" 2>/dev/null)\" -- \"$cur\"))\n"
    "            fi ;;\n"
    "        completion)\n"
    "            [ ${#pos[@]} -eq 0 ] && COMPREPLY=($(compgen -W \"bash zsh fish\" -- \"$cur\")) ;;\n"
    "    esac\n"
    "    return 0\n"
    "}\n"
    "complete -o filenames -F _kiln kiln\n";

static const char zsh_prelude[] =
    "#compdef kiln\n"
    "# zsh completion for kiln (kiln completion zsh): the bash completion,\n"
    "# through zsh's bashcompinit.\n"
    "autoload -U +X compinit && compinit\n"
    "autoload -U +X bashcompinit && bashcompinit\n";

/* The file make install puts in zsh's vendor-completions: autoloaded as the
 * function _kiln on the first completion, it loads the bash completion (whose
 * _kiln then takes over) and completes this first word through it. */
static const char zsh_file_prelude[] =
    "#compdef kiln\n"
    "# zsh completion for kiln (installed by make install): the bash completion\n"
    "# through zsh's bashcompinit.\n"
    "autoload -U +X bashcompinit && bashcompinit\n";
static const char zsh_file_tail[] = "_bash_complete -F _kiln \"$@\"\n";

static const char fish_tail[] = "@FISH_OPTIONS@";

static const char fish_script[] =
    "# fish completion for kiln (kiln completion fish). Module names and versions\n"
    "# come live from the server.\n"
    "function __kiln_modules\n"
    "    kiln ls --names-only 2>/dev/null\n"
    "end\n"
    "function __kiln_versions\n"
    "    set -l toks (commandline -opc)\n"
    "    set -l name\n"
    "    for t in $toks[3..-1]\n"
    "        if not string match -q -- '-*' $t\n"
    "            set name $t\n"
    "            break\n"
    "        end\n"
    "    end\n"
    "    test -n \"$name\"; and kiln versions $name --names-only 2>/dev/null\n"
    "end\n"
    "function __kiln_npos\n"
    "    set -l toks (commandline -opc)\n"
    "    set -l n 0\n"
    "    for t in $toks[3..-1]\n"
    "        string match -q -- '-*' $t; or set n (math $n + 1)\n"
    "    end\n"
    "    echo $n\n"
    "end\n"
    "set -l cmds @CMDS@\n"
    "complete -c kiln -f\n"
    "complete -c kiln -n \"not __fish_seen_subcommand_from $cmds\" -a \"$cmds\"\n"
    "complete -c kiln -n \"__fish_seen_subcommand_from inspect\" -F -a '(__fish_complete_suffix .wasm) (__fish_complete_suffix .wat)'\n"
    "complete -c kiln -n \"__fish_seen_subcommand_from rollout; and test (__kiln_npos) -eq 0\" -a 'status abort (__kiln_modules)'\n"
    "complete -c kiln -n \"__fish_seen_subcommand_from route; and test (__kiln_npos) -eq 0\" -a 'add ls rm'\n"
    "complete -c kiln -n \"__fish_seen_subcommand_from deploy\" -F -a '(__fish_complete_suffix .wasm)'\n"
    "complete -c kiln -n \"__fish_seen_subcommand_from versions history traps errors logs promote pin unpin rollback cost dora policy mark-failed; and test (__kiln_npos) -eq 0\" -a '(__kiln_modules)'\n"
    "complete -c kiln -n \"__fish_seen_subcommand_from promote pin mark-failed; and test (__kiln_npos) -eq 1\" -a '(__kiln_versions)'\n"
    "complete -c kiln -n \"__fish_seen_subcommand_from completion\" -a 'bash zsh fish'\n"
    "complete -c kiln -n \"__fish_seen_subcommand_from run\" -F\n"
    "complete -c kiln -n \"__fish_seen_subcommand_from compile\" -F\n"
    "complete -c kiln -n \"__fish_seen_subcommand_from coredump\" -F\n"
    "complete -c kiln -n \"__fish_seen_subcommand_from spectest\" -a '(__fish_complete_suffix .json)'\n";

/* ---------------------------------------------------------------- from the tables */

typedef void (*each_fn)(const cli_command_options *c, const cli_option *o);

/* Every option of every command, common ones included. */
static void each_option(each_fn fn) {
    for (size_t i = 0; i < cli_noptions; i++) {
        const cli_command_options *c = &cli_options[i];
        for (size_t k = 0; k < c->n; k++) fn(c, &c->options[k]);
        for (size_t k = 0; c->common && k < cli_ncommon_options; k++) fn(c, &cli_common_options[k]);
    }
}

static void templates(const char *sep) {
    for (size_t i = 0; i < cli_ntemplates; i++) printf("%s%s", i ? sep : "", cli_templates[i].name);
}

/* Options that take their value as the next word (bash skips it when counting positionals). */
static char valued_seen[4096];
static void valued_one(const cli_command_options *c, const cli_option *o) {
    (void)c;
    if (!o->arg || o->arg[0] == '=') return;
    const char *names[2] = {o->name, o->alias};
    for (int j = 0; j < 2; j++) {
        char key[80];
        if (!names[j]) continue;
        snprintf(key, sizeof key, " %s ", names[j]);
        size_t l = strlen(valued_seen);
        if (!strstr(valued_seen, key)) snprintf(valued_seen + l, sizeof valued_seen - l, "%s ", names[j]);
    }
}

static void bash_flags(void) {
    for (size_t i = 0; i < cli_noptions; i++) {
        const cli_command_options *c = &cli_options[i];
        printf("        %s) flags=\"", c->command);
        bool first = true;
        for (size_t pass = 0; pass < 2; pass++) {
            const cli_option *opts = pass ? cli_common_options : c->options;
            size_t n = pass ? (c->common ? cli_ncommon_options : 0) : c->n;
            for (size_t k = 0; k < n; k++) {
                const cli_option *o = &opts[k];
                printf("%s%s", first ? "" : " ", o->name);
                first = false;
                if (o->alias) printf(" %s", o->alias);
                if (o->arg && o->arg[0] == '=' && o->complete && !strncmp(o->complete, "words:", 6)) {
                    /* --stats=table --stats=json */
                    const char *w = o->complete + 6;
                    while (*w) {
                        size_t l = strcspn(w, " ");
                        printf(" %s=%.*s", o->name, (int)l, w);
                        w += l + (w[l] == ' ');
                    }
                }
            }
        }
        printf("\" ;;\n");
    }
}

static void bash_value(const cli_command_options *c, const cli_option *o) {
    if (!o->complete || !o->arg || o->arg[0] == '=') return;
    printf("        \"%s %s\"", c->command, o->name);
    if (o->alias) printf("|\"%s %s\"", c->command, o->alias);
    printf(")\n            ");
    const char *k = o->complete;
    if (!strcmp(k, "dir")) printf("COMPREPLY=($(compgen -d -- \"$cur\"))");
    else if (!strcmp(k, "file")) printf("COMPREPLY=($(compgen -f -- \"$cur\"))");
    else if (!strcmp(k, "wasm")) printf("COMPREPLY=($(compgen -f -X '!*.wasm' -- \"$cur\") $(compgen -d -- \"$cur\"))");
    else if (!strcmp(k, "modules"))
        printf("COMPREPLY=($(compgen -W \"$(\"$kiln\" ls --names-only \"${conn[@]}\" 2>/dev/null)\" -- \"$cur\"))");
    else if (!strcmp(k, "versions"))
        printf("[ ${#pos[@]} -ge 1 ] && COMPREPLY=($(compgen -W \"$(\"$kiln\" versions \"${pos[0]}\" --names-only "
               "\"${conn[@]}\" 2>/dev/null)\" -- \"$cur\"))");
    else if (!strcmp(k, "templates")) { printf("COMPREPLY=($(compgen -W \""); templates(" "); printf("\" -- \"$cur\"))"); }
    else if (!strncmp(k, "words:", 6)) printf("COMPREPLY=($(compgen -W \"%s\" -- \"$cur\"))", k + 6);
    else if (!strncmp(k, "words+file:", 11))
        printf("COMPREPLY=($(compgen -W \"%s\" -- \"$cur\") $(compgen -f -- \"$cur\"))", k + 11);
    printf("\n            return 0 ;;\n");
}

static void fish_quoted(const char *s) {
    putchar('\'');
    for (; *s; s++) {
        if (*s == '\'' || *s == '\\') putchar('\\');
        putchar(*s);
    }
    putchar('\'');
}

/* -a 'WORD...': fish reads the list as its own syntax, so each word is
 * double-quoted ("errors>5%@100req" is no redirection). */
static void fish_words(const char *w, const char *extra) {
    printf("%s -a '", extra);
    for (bool first = true; *w; first = false) {
        size_t l = strcspn(w, " ");
        printf("%s\"%.*s\"", first ? "" : " ", (int)l, w);
        w += l + (w[l] == ' ');
    }
    putchar('\'');
}

static void fish_option(const cli_command_options *c, const cli_option *o) {
    printf("complete -c kiln -n \"__fish_seen_subcommand_from %s\"", c->command);
    const char *names[2] = {o->name, o->alias};
    for (int j = 0; j < 2; j++) {
        const char *n = names[j];
        if (!n) continue;
        if (n[1] == '-') printf(" -l %s", n + 2);
        else printf(" -s %s", n + 1);
    }
    const char *k = o->complete;
    bool value = o->arg != NULL, inline_only = value && o->arg[0] == '=';
    if (value && !inline_only) printf(" -r");
    if (k) {
        if (!strcmp(k, "dir")) printf(" -a '(__fish_complete_directories)'");
        else if (!strcmp(k, "file")) printf(" -F");
        else if (!strcmp(k, "wasm")) printf(" -a '(__fish_complete_suffix .wasm)'");
        else if (!strcmp(k, "modules")) printf(" -a '(__kiln_modules)'");
        else if (!strcmp(k, "versions")) printf(" -a '(__kiln_versions)'");
        else if (!strcmp(k, "templates")) { printf(" -x -a '"); templates(" "); printf("'"); }
        else if (!strncmp(k, "words:", 6)) fish_words(k + 6, "");
        else if (!strncmp(k, "words+file:", 11)) fish_words(k + 11, " -F");
    }
    printf(" -d ");
    fish_quoted(o->help);
    putchar('\n');
}

/* Prints a script with @CMDS@, @TEMPLATES@ and the table-made parts
 * (@VALUED@, @FLAGS@, @VALUES@, @FISH_OPTIONS@) filled in from main.c's
 * command table, cmd_new.c's templates and options.c's option tables. */
static void emit(const char *s) {
    static const char *const keys[] = {"@CMDS@", "@TEMPLATES@", "@VALUED@", "@FLAGS@", "@VALUES@", "@FISH_OPTIONS@"};
    for (;;) {
        const char *at = strchr(s, '@');
        if (!at) { fputs(s, stdout); return; }
        fwrite(s, 1, (size_t)(at - s), stdout);
        size_t k = 0, nk = sizeof keys / sizeof keys[0];
        while (k < nk && strncmp(at, keys[k], strlen(keys[k]))) k++;
        if (k == nk) { fputc('@', stdout); s = at + 1; continue; }
        s = at + strlen(keys[k]);
        switch (k) {
        case 0: {
            const char *c;
            for (size_t i = 0; (c = cli_command_name(i)); i++) printf("%s%s", i ? " " : "", c);
            break;
        }
        case 1: templates(" "); break;
        case 2:
            valued_seen[0] = ' ';
            valued_seen[1] = 0;
            each_option(valued_one);
            fwrite(valued_seen + 1, 1, strlen(valued_seen + 1) - 1, stdout);
            break;
        case 3: bash_flags(); break;
        case 4: each_option(bash_value); break;
        case 5: each_option(fish_option); break;
        }
    }
}

/* kiln completion options: the tables as lines "COMMAND OPTION ALIAS ARG
 * SAMPLE" ('-' for none), for tests/suites/options and scripts. */
static void print_table(void) {
    for (size_t i = 0; i < cli_noptions; i++) {
        const cli_command_options *c = &cli_options[i];
        for (size_t pass = 0; pass < 2; pass++) {
            const cli_option *opts = pass ? cli_common_options : c->options;
            size_t n = pass ? (c->common ? cli_ncommon_options : 0) : c->n;
            for (size_t k = 0; k < n; k++)
                printf("%s\t%s\t%s\t%s\t%s\n", c->command, opts[k].name, opts[k].alias ? opts[k].alias : "-",
                       opts[k].arg ? opts[k].arg : "-", opts[k].sample ? opts[k].sample : "-");
        }
    }
}

int cmd_completion(int argc, char **argv) {
    if (argc >= 2 && (!strcmp(argv[1], "--help") || !strcmp(argv[1], "-h"))) {
        fputs(help, stdout);
        return 0;
    }
    if (argc != 2) {
        fprintf(stderr, "kiln completion: name one shell: bash, zsh or fish\nUsage: kiln completion bash|zsh|fish\n");
        return 1;
    }
    const char *sh = argv[1];
    if (!strcmp(sh, "bash")) emit(bash_script);
    else if (!strcmp(sh, "zsh")) { emit(zsh_prelude); emit(bash_script); }
    else if (!strcmp(sh, "zsh-file")) { emit(zsh_file_prelude); emit(bash_script); emit(zsh_file_tail); }
    else if (!strcmp(sh, "fish")) { emit(fish_script); emit(fish_tail); }
    else if (!strcmp(sh, "options")) print_table();
    else return cli_fail("completion", "unknown shell '%s': kiln completes bash, zsh and fish", sh);
    return 0;
}
