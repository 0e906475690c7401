#!/usr/bin/env bash
# man.sh KILN OUTDIR — kiln's man pages: kiln.1 from `kiln --help`, and
# kiln-CMD.1 for every command from `kiln CMD --help` plus an OPTION
# SUMMARY made from the command's option table (kiln completion options,
# src/cli/options.c). The help texts are already laid out as man pages
# (NAME, SYNOPSIS, ...): headings become .SH, the rest is kept as written.
set -euo pipefail
kiln=$1 out=$2
mkdir -p "$out"
version=$("$kiln" --version | awk '{print $2}')
roff() { # help text on stdin -> roff body on stdout
    sed -e 's/\\/\\e/g' -e "s/^\\([.']\\)/\\\\\\&\\1/" |
    awk '/^[A-Z][A-Z ]+$/ { print ".SH " $0; print ".nf"; next } { print }'
}
page() { # NAME TITLE: the header
    printf '.TH %s 1 "" "kiln %s" "kiln manual"\n.nf\n' "$1" "$version"
}
{ page KILN; "$kiln" --help | roff; } >"$out/kiln.1"
"$kiln" completion options >"$out/.table"
for c in $(cut -f1 "$out/.table" | uniq); do
    {
        page "KILN-$(echo "$c" | tr a-z A-Z)"
        # Help texts without a NAME heading (a usage line first) get one.
        "$kiln" "$c" --help >"$out/.help" 2>&1 || true
        head -n1 "$out/.help" | grep -qx NAME || printf '.SH NAME\nkiln %s\n.SH DESCRIPTION\n.nf\n' "$c"
        roff <"$out/.help"
        echo ".SH OPTION SUMMARY"
        echo ".nf"
        awk -F'\t' -v c="$c" '$1 == c {
            o = $2; if ($3 != "-") o = $3 ", " o
            if ($4 != "-") o = o (substr($4, 1, 1) == "=" ? "" : " ") $4
            print "    " o }' "$out/.table"
    } >"$out/kiln-$c.1"
done
rm -f "$out/.table" "$out/.help"
