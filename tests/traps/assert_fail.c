/* unreachable through abort(): a failed assert(). wasi-libc's
 * __assert_fail prints and calls abort(), which is __builtin_trap(); glibc
 * raises SIGABRT. The library frames differ by nature; the user's frames
 * (parse_digit .. main) must not. */
#include <assert.h>
#include <stdio.h>
#include "trapkit.h"

static int parse_digit(char c)
{
    assert(c >= '0' && c <= '9');
    return c - '0';
}

__attribute__((noinline)) int parse_number(const char *s)
{
    int v = 0;
    for (; *s; s++)
        v = v * 10 + parse_digit(*s);
    return v;
}

static int sum_fields(const char *const *fields, int n)
{
    int total = 0;
    for (int i = 0; i < n; i++)
        total += parse_number(fields[i]);
    return total;
}

int main(void)
{
    static const char *const fields[] = {"12", "345", "6x7"};
    printf("%d\n", sum_fields(fields, 3 * tk_one));
    return 0;
}
