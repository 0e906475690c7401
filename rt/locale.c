/*
 * locale.c — setlocale that says no to locales wasi-libc does not have.
 *
 * wasi-libc has no locale data: whatever name a program asks for, musl's
 * setlocale says yes, names the locale as asked, and goes on with the C
 * locale's number and date formats (UTF-8 characters, at most). Programs
 * take the yes at its word: Lua's tests set "pt_BR" and then expect
 * tonumber("3,4") to be 3.4. glibc returns NULL for a locale that is not
 * installed, and C says setlocale returns NULL when "the selection cannot
 * be honored". So kiln lets through only what wasi-libc really provides:
 * "C", "POSIX" and "C.UTF-8" (also spelled "C.utf8"), the composite names
 * wasi-libc itself returns for LC_ALL ("C.UTF-8;C;C;C;C;C"), and "", which
 * takes the name from the environment (LC_ALL, then LC_<category>, then
 * LANG) and is refused when that name is refused. A refused call changes
 * nothing. <locale.h> maps setlocale here (rt/include/locale.h).
 */
#include <locale.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#undef setlocale

/* wasi-libc's names of the categories, for the environment's LC_<name>. */
static const char *const category_var[] = {
    [LC_CTYPE] = "LC_CTYPE",       [LC_NUMERIC] = "LC_NUMERIC",   [LC_TIME] = "LC_TIME",
    [LC_COLLATE] = "LC_COLLATE",   [LC_MONETARY] = "LC_MONETARY", [LC_MESSAGES] = "LC_MESSAGES",
};

static int known_one(const char *name, size_t n)
{
    static const char *const known[] = {"C", "POSIX", "C.UTF-8", "C.utf8"};
    for (size_t i = 0; i < sizeof known / sizeof *known; i++)
        if (strlen(known[i]) == n && !strncasecmp(name, known[i], n)) return 1;
    return 0;
}

/* A name, or a composite "a;b;..." whose every part is one. */
static int known(const char *name)
{
    for (;;) {
        size_t n = strcspn(name, ";");
        if (!known_one(name, n)) return 0;
        if (!name[n]) return 1;
        name += n + 1;
    }
}

/* What "" stands for in this category: POSIX's order of the variables. An
 * unset or empty environment means wasi-libc's default, which it has. */
static int environment_known(int category)
{
    const char *v = getenv("LC_ALL");
    if ((!v || !*v) && category >= 0 && category < (int)(sizeof category_var / sizeof *category_var) &&
        category_var[category])
        v = getenv(category_var[category]);
    if (!v || !*v) v = getenv("LANG");
    return !v || !*v || known(v);
}

static int environment_known_all(void)
{
    for (size_t c = 0; c < sizeof category_var / sizeof *category_var; c++)
        if (category_var[c] && !environment_known((int)c)) return 0;
    return 1;
}

char *__kiln_setlocale(int category, const char *locale)
{
    if (locale) {
        int ok = *locale ? known(locale)
                         : category == LC_ALL ? environment_known_all() : environment_known(category);
        if (!ok) return NULL;
    }
    return setlocale(category, locale);
}
