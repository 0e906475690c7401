/*
 * locale.c — setlocale says no to a locale it cannot honour, as glibc does
 * for one that is not installed, and yes to C, POSIX and C.UTF-8. Lua's
 * tests take a yes for "pt_BR" as a promise of a decimal comma. Run with
 * LANG, LC_ALL and LC_NUMERIC unset, then with LANG set to argv[1]'s
 * value in the environment (the suite does both).
 */
#include <locale.h>
#include <stdio.h>
#include <stdlib.h>

static void try(int category, const char *cname, const char *name)
{
    const char *r = setlocale(category, name);
    printf("setlocale(%s, \"%s\") %s\n", cname, name, r ? "accepted" : "refused");
}

int main(void)
{
    try(LC_ALL, "LC_ALL", "pt_BR");
    try(LC_NUMERIC, "LC_NUMERIC", "ptb");
    try(LC_ALL, "LC_ALL", "pt_BR.iso88591");
    try(LC_CTYPE, "LC_CTYPE", "xx_YY.UTF-8");
    printf("after refusals: %s, %.1f\n", setlocale(LC_NUMERIC, NULL), 3.5);
    try(LC_ALL, "LC_ALL", "C");
    try(LC_ALL, "LC_ALL", "POSIX");
    try(LC_CTYPE, "LC_CTYPE", "C.UTF-8");
    try(LC_ALL, "LC_ALL", "");
    try(LC_NUMERIC, "LC_NUMERIC", "");
    printf("%.1f\n", 3.5);
    return 0;
}
