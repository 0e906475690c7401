// Ways a C++ program ends in std::terminate; argv[1] picks one. The
// message std::terminate's default handler prints (GCC's wording) and the
// exit status are compared with the native build's.
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <exception>
#include <stdexcept>
#include <vector>

struct MyError : std::runtime_error {
    explicit MyError(const char *w) : std::runtime_error(w) {}
};
namespace app {
struct Plain {
    int code;
};
} // namespace app

static void must_not_throw() noexcept {
    throw std::logic_error("thrown from a noexcept function");
}

static int at(const std::vector<int> &v, size_t i) { return v.at(i); }

int main(int argc, char **argv) {
    const char *what = argc > 1 ? argv[1] : "";
    printf("case %s\n", what);
    fflush(stdout);
    if (!strcmp(what, "uncaught")) throw MyError("nobody catches this");
    if (!strcmp(what, "int")) throw 42;
    if (!strcmp(what, "plain")) throw app::Plain{3};
    if (!strcmp(what, "noexcept")) must_not_throw();
    if (!strcmp(what, "vector")) return at(std::vector<int>(2), 5);
    if (!strcmp(what, "terminate")) std::terminate();
    if (!strcmp(what, "rethrow-nothing")) throw;
    if (!strcmp(what, "handler")) {
        std::set_terminate([] {
            printf("custom terminate handler\n");
            fflush(stdout);
            std::_Exit(3);
        });
        throw 1;
    }
    if (!strcmp(what, "caught-then-terminate")) {
        try {
            throw std::overflow_error("being handled");
        } catch (...) {
            std::terminate();
        }
    }
    return 0;
}
