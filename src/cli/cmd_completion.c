/* cmd_completion.c — `kiln completion bash|zsh|fish`: shell completion
 * scripts. They complete subcommands and flags, and ask the server (through
 * `kiln ls --names-only` and `kiln versions NAME --names-only`, with any
 * --server/--data already typed) for module names and versions. zsh uses
 * the bash script through its bashcompinit layer. */
#include <stdio.h>
#include <string.h>

#include "cli/cli.h"

static const char help[] =
    "NAME\n"
    "    kiln completion - print a shell completion script\n"
    "\n"
    "SYNOPSIS\n"
    "    kiln completion bash|zsh|fish|zsh-file\n"
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
    "    Commands and kiln new's templates come from kiln's own tables.\n"
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
    "    local common=\"--server --data --json --help\"\n"
    "    local valued=\"--server --data --name --commit --commit-time --message --fuel --timeout --max-memory --alias --reason --to --limit --listen --threads --max-body --max-output --connection-timeout --max-connections --max-per-ip --default-timeout --default-fuel --default-max-memory --cache --dir --env --invoke --since --by --auto-rollback --regression-threshold --budget --prices --usage-flush --cpu-sample --max-table-elements --max-stack --coredump --profile --profile-format --module --token-file --log-format --tier --cc --emit-c --template -t -o --secret --webhook --steps --interval --version --status --request\"\n"
    "    local flags\n"
    "    case \"$cmd\" in\n"
    "        run) flags=\"--dir --env --invoke --fuel --timeout --max-memory --max-table-elements --max-stack --stats --stats=json --prices --coredump --profile --profile-format --tier --cache --no-cache --cc --help\" ;;\n"
    "        compile) flags=\"-o --emit-c --cache --no-cache --cc --help\" ;;\n"
    "        serve) flags=\"--listen --data --threads --max-body --max-output --connection-timeout --max-connections --max-per-ip --default-timeout --default-fuel --default-max-memory --max-table-elements --cache --prices --regression-threshold --usage-flush --cpu-sample --log-format --webhook --registry --node --tier --no-usage --help\" ;;\n"
    "        login) flags=\"--token-file --no-verify --help\" ;;\n"
    "        deploy) flags=\"--name --promote --force --commit --commit-time --message --fuel --timeout --max-memory --auto-rollback --env --secret $common\" ;;\n"
    "        inspect) flags=\"--json --help\" ;;\n"
    "        coredump) flags=\"--module --help\" ;;\n"
    "        spectest) flags=\"--verbose --explicit-bounds-checks --tier --cache --no-cache --cc --help\" ;;\n"
    "        cost) flags=\"--since --by $common\" ;;\n"
    "        dora) flags=\"--since $common\" ;;\n"
    "        policy) flags=\"--auto-rollback --regression-threshold --budget $common\" ;;\n"
    "        mark-failed) flags=\"--reason $common\" ;;\n"
    "        ls) flags=\"--names-only $common\" ;;\n"
    "        versions) flags=\"--names-only $common\" ;;\n"
    "        history|traps|errors) flags=\"--limit $common\" ;;\n"
    "        logs) flags=\"-f --follow --version --status --since --request --limit $common\" ;;\n"
    "        rollout) flags=\"--steps --interval --watch --reason $common\" ;;\n"
    "        route|nodes) flags=\"$common\" ;;\n"
    "        registry) flags=\"--to --data --help\" ;;\n"
    "        promote|pin) flags=\"--alias --reason --force $common\" ;;\n"
    "        unpin) flags=\"--alias --reason $common\" ;;\n"
    "        rollback) flags=\"--to --alias --reason --force $common\" ;;\n"
    "        completion) flags=\"--help\" ;;\n"
    "        new) flags=\"--template --help\" ;;\n"
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
    "    case \"$prev\" in\n"
    "        --data|--dir) COMPREPLY=($(compgen -d -- \"$cur\")); return 0 ;;\n"
    "        --name)\n"
    "            COMPREPLY=($(compgen -W \"$(\"$kiln\" ls --names-only \"${conn[@]}\" 2>/dev/null)\" -- \"$cur\"))\n"
    "            return 0 ;;\n"
    "        --to)\n"
    "            if [ ${#pos[@]} -ge 1 ]; then\n"
    "                COMPREPLY=($(compgen -W \"$(\"$kiln\" versions \"${pos[0]}\" --names-only \"${conn[@]}\" 2>/dev/null)\" -- \"$cur\"))\n"
    "            fi\n"
    "            return 0 ;;\n"
    "        --alias) COMPREPLY=($(compgen -W \"live canary\" -- \"$cur\")); return 0 ;;\n"
    "        --by) COMPREPLY=($(compgen -W \"version day\" -- \"$cur\")); return 0 ;;\n"
    "        --since) COMPREPLY=($(compgen -W \"30m 1h 24h 7d 30d\" -- \"$cur\")); return 0 ;;\n"
    "        --auto-rollback) COMPREPLY=($(compgen -W \"'errors>5%@100req' 'errors>5%@100req,p99>3x' 'traps>5%@100req' off\" -- \"$cur\")); return 0 ;;\n"
    "        --steps) COMPREPLY=($(compgen -W \"10,25,50,100 5,25,50,100 50,100\" -- \"$cur\")); return 0 ;;\n"
    "        --interval) COMPREPLY=($(compgen -W \"30s 2m 10m 1h\" -- \"$cur\")); return 0 ;;\n"
    "        --status) COMPREPLY=($(compgen -W \"5xx 4xx 2xx\" -- \"$cur\")); return 0 ;;\n"
    "        --version)\n"
    "            if [ ${#pos[@]} -ge 1 ]; then\n"
    "                COMPREPLY=($(compgen -W \"$(\"$kiln\" versions \"${pos[0]}\" --names-only \"${conn[@]}\" 2>/dev/null)\" -- \"$cur\"))\n"
    "            fi\n"
    "            return 0 ;;\n"
    "        --module) COMPREPLY=($(compgen -f -X '!*.wasm' -- \"$cur\") $(compgen -d -- \"$cur\")); return 0 ;;\n"
    "        --coredump|--profile|--token-file) COMPREPLY=($(compgen -f -- \"$cur\")); return 0 ;;\n"
    "        --log-format) COMPREPLY=($(compgen -W \"text json\" -- \"$cur\")); return 0 ;;\n"
    "        --template|-t) COMPREPLY=($(compgen -W \"@TEMPLATES@\" -- \"$cur\")); return 0 ;;\n"
    "        --tier) COMPREPLY=($(compgen -W \"auto interp native\" -- \"$cur\")); return 0 ;;\n"
    "        --cc) COMPREPLY=($(compgen -W \"gcc clang-16\" -- \"$cur\")); return 0 ;;\n"
    "        --profile-format) COMPREPLY=($(compgen -W \"collapsed table svg\" -- \"$cur\")); return 0 ;;\n"
    "        --prices) COMPREPLY=($(compgen -W \"aws-lambda-x86 cloudflare-workers\" -- \"$cur\") $(compgen -f -- \"$cur\")); return 0 ;;\n"
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
    "complete -c kiln -n \"__fish_seen_subcommand_from deploy ls versions history traps errors logs promote pin unpin rollback rollout route cost dora policy mark-failed nodes\" -l server -r -d 'server URL'\n"
    "complete -c kiln -n \"__fish_seen_subcommand_from serve deploy ls versions history traps errors logs promote pin unpin rollback rollout route cost dora policy mark-failed nodes\" -l data -r -a '(__fish_complete_directories)' -d 'data directory'\n"
    "complete -c kiln -n \"__fish_seen_subcommand_from inspect deploy ls versions history traps errors logs promote pin unpin rollback rollout route cost dora policy mark-failed nodes\" -l json -d 'print JSON'\n"
    "complete -c kiln -n \"__fish_seen_subcommand_from inspect\" -F -a '(__fish_complete_suffix .wasm) (__fish_complete_suffix .wat)'\n"
    "complete -c kiln -n \"__fish_seen_subcommand_from cost dora\" -l since -r -a '30m 1h 24h 7d 30d' -d 'window'\n"
    "complete -c kiln -n \"__fish_seen_subcommand_from cost\" -l by -r -a 'version day'\n"
    "complete -c kiln -n \"__fish_seen_subcommand_from deploy policy\" -l auto-rollback -r -d 'errors>RATE%@WINDOW[,p99>Fx] or off'\n"
    "complete -c kiln -n \"__fish_seen_subcommand_from deploy\" -l env -r -d 'NAME=VALUE for the guest'\n"
    "complete -c kiln -n \"__fish_seen_subcommand_from deploy\" -l secret -r -d 'NAME=@FILE, stored encrypted'\n"
    "complete -c kiln -n \"__fish_seen_subcommand_from serve\" -l webhook -r -d 'URL notified of kiln decisions'\n"
    "complete -c kiln -n \"__fish_seen_subcommand_from rollout\" -l steps -r -a '10,25,50,100 50,100' -d 'percentages'\n"
    "complete -c kiln -n \"__fish_seen_subcommand_from rollout\" -l interval -r -a '30s 2m 10m 1h' -d 'time per step'\n"
    "complete -c kiln -n \"__fish_seen_subcommand_from rollout\" -l watch -d 'follow the status'\n"
    "complete -c kiln -n \"__fish_seen_subcommand_from rollout\" -l reason -r\n"
    "complete -c kiln -n \"__fish_seen_subcommand_from rollout; and test (__kiln_npos) -eq 0\" -a 'status abort (__kiln_modules)'\n"
    "complete -c kiln -n \"__fish_seen_subcommand_from route; and test (__kiln_npos) -eq 0\" -a 'add ls rm'\n"
    "complete -c kiln -n \"__fish_seen_subcommand_from logs\" -s f -l follow -d 'keep printing new lines'\n"
    "complete -c kiln -n \"__fish_seen_subcommand_from logs\" -l version -r -a '(__kiln_versions)'\n"
    "complete -c kiln -n \"__fish_seen_subcommand_from logs\" -l status -r -a '5xx 4xx 2xx'\n"
    "complete -c kiln -n \"__fish_seen_subcommand_from logs\" -l since -r -a '30s 10m 1h'\n"
    "complete -c kiln -n \"__fish_seen_subcommand_from logs\" -l request -r -d 'request id'\n"
    "complete -c kiln -n \"__fish_seen_subcommand_from policy serve\" -l regression-threshold -r -d 'percent'\n"
    "complete -c kiln -n \"__fish_seen_subcommand_from policy\" -l budget -r -d 'per day, or off'\n"
    "complete -c kiln -n \"__fish_seen_subcommand_from mark-failed\" -l reason -r\n"
    "complete -c kiln -n \"__fish_seen_subcommand_from serve\" -l prices -r -a 'aws-lambda-x86 cloudflare-workers'\n"
    "complete -c kiln -n \"__fish_seen_subcommand_from serve\" -l usage-flush -r\n"
    "complete -c kiln -n \"__fish_seen_subcommand_from serve\" -l no-usage\n"
    "complete -c kiln -n \"__fish_seen_subcommand_from serve\" -l log-format -r -a 'text json' -d 'the server log'\n"
    "complete -c kiln -n \"__fish_seen_subcommand_from ls versions\" -l names-only -d 'names only'\n"
    "complete -c kiln -n \"__fish_seen_subcommand_from deploy\" -F -a '(__fish_complete_suffix .wasm)'\n"
    "complete -c kiln -n \"__fish_seen_subcommand_from deploy\" -l name -r -a '(__kiln_modules)'\n"
    "complete -c kiln -n \"__fish_seen_subcommand_from deploy\" -l promote\n"
    "complete -c kiln -n \"__fish_seen_subcommand_from deploy promote pin rollback\" -l force\n"
    "complete -c kiln -n \"__fish_seen_subcommand_from deploy\" -l commit -r\n"
    "complete -c kiln -n \"__fish_seen_subcommand_from deploy\" -l commit-time -r\n"
    "complete -c kiln -n \"__fish_seen_subcommand_from deploy\" -l message -r\n"
    "complete -c kiln -n \"__fish_seen_subcommand_from deploy\" -l fuel -r\n"
    "complete -c kiln -n \"__fish_seen_subcommand_from deploy\" -l timeout -r\n"
    "complete -c kiln -n \"__fish_seen_subcommand_from deploy\" -l max-memory -r\n"
    "complete -c kiln -n \"__fish_seen_subcommand_from promote pin unpin rollback\" -l alias -r -a 'live canary'\n"
    "complete -c kiln -n \"__fish_seen_subcommand_from promote pin unpin rollback\" -l reason -r\n"
    "complete -c kiln -n \"__fish_seen_subcommand_from rollback\" -l to -r -a '(__kiln_versions)'\n"
    "complete -c kiln -n \"__fish_seen_subcommand_from history traps errors logs\" -l limit -r\n"
    "complete -c kiln -n \"__fish_seen_subcommand_from serve\" -l listen -r\n"
    "complete -c kiln -n \"__fish_seen_subcommand_from login\" -l token-file -r -F -d 'the admin token file'\n"
    "complete -c kiln -n \"__fish_seen_subcommand_from login\" -l no-verify -d 'do not check the token'\n"
    "complete -c kiln -n \"__fish_seen_subcommand_from versions history traps errors logs promote pin unpin rollback cost dora policy mark-failed; and test (__kiln_npos) -eq 0\" -a '(__kiln_modules)'\n"
    "complete -c kiln -n \"__fish_seen_subcommand_from promote pin mark-failed; and test (__kiln_npos) -eq 1\" -a '(__kiln_versions)'\n"
    "complete -c kiln -n \"__fish_seen_subcommand_from completion\" -a 'bash zsh fish'\n"
    "complete -c kiln -n \"__fish_seen_subcommand_from run\" -F\n"
    "complete -c kiln -n \"__fish_seen_subcommand_from new\" -s t -l template -x -a '@TEMPLATES@' -d 'project template'\n"
    "complete -c kiln -n \"__fish_seen_subcommand_from run spectest serve\" -l tier -r -a 'auto interp native' -d 'execution tier'\n"
    "complete -c kiln -n \"__fish_seen_subcommand_from run compile spectest\" -l cache -r -a '(__fish_complete_directories)' -d 'native artifact cache'\n"
    "complete -c kiln -n \"__fish_seen_subcommand_from run compile spectest\" -l no-cache -d 'no artifact cache'\n"
    "complete -c kiln -n \"__fish_seen_subcommand_from run compile spectest\" -l cc -r -a 'gcc clang-16' -d 'C compiler for the native tier'\n"
    "complete -c kiln -n \"__fish_seen_subcommand_from compile\" -F\n"
    "complete -c kiln -n \"__fish_seen_subcommand_from compile\" -s o -r -d 'write the artifact to FILE'\n"
    "complete -c kiln -n \"__fish_seen_subcommand_from compile\" -l emit-c -r -d 'write the generated C'\n"
    "complete -c kiln -n \"__fish_seen_subcommand_from run\" -l dir -r -a '(__fish_complete_directories)'\n"
    "complete -c kiln -n \"__fish_seen_subcommand_from run\" -l env -r -d 'NAME=VALUE'\n"
    "complete -c kiln -n \"__fish_seen_subcommand_from run\" -l invoke -r -d 'exported function'\n"
    "complete -c kiln -n \"__fish_seen_subcommand_from run\" -l fuel -r -d 'instructions'\n"
    "complete -c kiln -n \"__fish_seen_subcommand_from run\" -l timeout -r -d 'e.g. 2s'\n"
    "complete -c kiln -n \"__fish_seen_subcommand_from run\" -l max-memory -r -d 'e.g. 256MiB'\n"
    "complete -c kiln -n \"__fish_seen_subcommand_from run serve\" -l max-table-elements -r\n"
    "complete -c kiln -n \"__fish_seen_subcommand_from run\" -l max-stack -r\n"
    "complete -c kiln -n \"__fish_seen_subcommand_from run\" -l stats -a 'table json' -d 'resource use'\n"
    "complete -c kiln -n \"__fish_seen_subcommand_from run\" -l prices -r -a 'aws-lambda-x86 cloudflare-workers'\n"
    "complete -c kiln -n \"__fish_seen_subcommand_from run\" -l coredump -r -F -d 'write a coredump on a trap'\n"
    "complete -c kiln -n \"__fish_seen_subcommand_from run\" -l profile -r -F -d 'write a profile'\n"
    "complete -c kiln -n \"__fish_seen_subcommand_from run\" -l profile-format -r -a 'collapsed table svg'\n"
    "complete -c kiln -n \"__fish_seen_subcommand_from coredump\" -F\n"
    "complete -c kiln -n \"__fish_seen_subcommand_from coredump\" -l module -r -a '(__fish_complete_suffix .wasm)'\n"
    "complete -c kiln -n \"__fish_seen_subcommand_from spectest\" -a '(__fish_complete_suffix .json)'\n"
    "complete -c kiln -n \"__fish_seen_subcommand_from spectest\" -s v -l verbose\n"
    "complete -c kiln -n \"__fish_seen_subcommand_from spectest\" -l explicit-bounds-checks\n";

/* Prints a script with @CMDS@ and @TEMPLATES@ replaced by the names in
 * main.c's command table and cmd_new.c's template table. */
static void emit(const char *s) {
    for (;;) {
        const char *at = strchr(s, '@');
        if (!at) { fputs(s, stdout); return; }
        fwrite(s, 1, (size_t)(at - s), stdout);
        if (!strncmp(at, "@CMDS@", 6)) {
            const char *c;
            for (size_t i = 0; (c = cli_command_name(i)); i++) printf("%s%s", i ? " " : "", c);
            s = at + 6;
        } else if (!strncmp(at, "@TEMPLATES@", 11)) {
            for (size_t i = 0; i < cli_ntemplates; i++) printf("%s%s", i ? " " : "", cli_templates[i].name);
            s = at + 11;
        } else {
            fputc('@', stdout);
            s = at + 1;
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
    else if (!strcmp(sh, "fish")) emit(fish_script);
    else return cli_fail("completion", "unknown shell '%s': kiln completes bash, zsh and fish", sh);
    return 0;
}
