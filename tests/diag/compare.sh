#!/usr/bin/env bash
# Compares diag-symtool's symbolication of a module with llvm-symbolizer's
# (the oracle) on many code offsets: every line-table row address that
# llvm-dwarfdump lists, the byte after each, and a uniform sample of the code
# section. Prints "N addresses, M differ" and the first differences.
# With MODE "raw" both print names as recorded (C++ names mangled), which
# checks the DWARF reading alone; "demangled" (the default) adds demangling.
# Usage: compare.sh SYMTOOL MODULE.wasm [MODE [STEP]]
set -euo pipefail
tool=$1 mod=$2 mode=${3:-demangled} step=${4:-5}
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

# mawk has no strtonum: hex by hand.
hexfn='function hex(s,  i, c, v) { sub(/^0x/, "", s); v = 0; for (i = 1; i <= length(s); i++) { c = index("0123456789abcdef", tolower(substr(s, i, 1))) - 1; v = v * 16 + c } return v }'
code_size=$(llvm-objdump-16 -h "$mod" | awk "$hexfn"' $2 == "CODE" { print hex($3) }')
{
  llvm-dwarfdump-16 --debug-line "$mod" 2>/dev/null |
    awk "$hexfn"' /^0x[0-9a-f]+ / { a = hex($1); print a; print a + 1 }'
  awk -v n="${code_size:-0}" -v s="$step" 'BEGIN { for (a = 0; a < n + 4; a += s) print a }'
} | sort -n -u | awk '{ printf "0x%x\n", $1 }' >"$tmp/addrs"

# One line per address: the blocks' lines joined with " | ".
join_blocks() { awk 'BEGIN { RS = ""; FS = "\n" } { l = $1; for (i = 2; i <= NF; i++) l = l " | " $i; print l }'; }
if [ "$mode" = raw ]; then
  llvm-symbolizer-16 --obj="$mod" --inlining --no-demangle <"$tmp/addrs" | join_blocks >"$tmp/want"
  "$tool" --raw "$mod" <"$tmp/addrs" | join_blocks >"$tmp/got"
else
  llvm-symbolizer-16 --obj="$mod" --inlining <"$tmp/addrs" | join_blocks >"$tmp/want"
  "$tool" --dwarf-only "$mod" <"$tmp/addrs" | join_blocks >"$tmp/got"
fi
paste -d '\t' "$tmp/addrs" "$tmp/want" "$tmp/got" >"$tmp/all"
if [ "$mode" != raw ]; then
  # Known, deliberate differences between libiberty's demangler and LLVM's:
  # ABI tags are dropped from constructors (see src/diag/demangle.c), and
  # decltype expressions are parenthesised differently. Compare without
  # tags; leave out the few names with decltype expressions (counted).
  skipped=$(awk -F '\t' '$2 ~ /decltype\(/' "$tmp/all" | wc -l)
  awk -F '\t' -v OFS='\t' '$2 !~ /decltype\(/ { gsub(/\[abi:[^]]*\]/, "", $2); gsub(/\[abi:[^]]*\]/, "", $3); print }' \
    "$tmp/all" >"$tmp/all2"
  mv "$tmp/all2" "$tmp/all"
  [ "$skipped" -eq 0 ] || echo "($skipped addresses in functions with decltype in their names left out)"
fi
total=$(wc -l <"$tmp/all")
ndiff=$(awk -F '\t' '$2 != $3' "$tmp/all" | wc -l)
echo "$total addresses, $ndiff differ"
awk -F '\t' '$2 != $3 { print "  " $1 "\n    llvm: " $2 "\n    ours: " $3; if (++n == 8) exit }' "$tmp/all"
[ "$ndiff" -eq 0 ] && [ "$total" -gt 0 ]
