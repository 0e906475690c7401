# bench/lib.sh — what the benchmark scripts share. Sourced, not run.

# median: the median of the numbers on standard input (words or lines);
# the mean of the two middle ones for an even count.
median() {
    tr ' ' '\n' | grep . | sort -g |
        awk '{v[NR] = $1} END {print (NR % 2) ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2}'
}

# minimum: the smallest of the numbers on standard input. On a shared
# machine other tenants only ever add time, so the best of several rounds
# is the steadiest estimate of a program's own cost.
minimum() { tr ' ' '\n' | grep . | sort -g | head -1; }

# imgproc_inputs DIR EXAMPLES: the imgproc benchmarks' inputs in DIR, made
# once by the native build (deterministic, so a cached copy is the same file):
# a 4000x3000 JPEG and a 1024x1024 PPM.
imgproc_inputs() {
    [ -s "$1/big.jpg" ] || "$2/imgproc-native" gen 4000x3000 --quality 90 -o "$1/big.jpg"
    [ -s "$1/1024.ppm" ] || "$2/imgproc-native" gen 1024x1024 -o "$1/1024.ppm"
}

# server_port LOG [TRIES]: the port a `kiln serve --listen 127.0.0.1:0`
# writing to LOG says it listens on, waiting up to TRIES x 0.1 s (100); on
# timeout the log goes to stderr and the script exits.
server_port() {
    local log=$1 tries=${2:-100} port= _
    for _ in $(seq "$tries"); do
        port=$(sed -n 's|.*listening on http://127.0.0.1:\([0-9]*\).*|\1|p' "$log" 2>/dev/null)
        [ -n "$port" ] && { echo "$port"; return 0; }
        sleep 0.1
    done
    cat "$log" >&2
    exit 1
}
