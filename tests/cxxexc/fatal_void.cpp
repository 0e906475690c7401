// An uncaught exception leaving `int main()` (no parameters): std::terminate's
// default handler must say what it was, as for `int main(int, char **)`
// (fatal.cpp) and as native g++ does. clang names this main __main_void,
// which wasi-libc calls without going through argv.
#include <cstdio>
#include <stdexcept>

static void deep(int n) {
    if (n == 0) throw std::invalid_argument("thrown below int main()");
    deep(n - 1);
}

int main() {
    printf("case main-void\n");
    fflush(stdout);
    deep(3);
    return 0;
}
