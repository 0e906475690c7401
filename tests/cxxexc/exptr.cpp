// std::exception_ptr, current_exception, rethrow_exception,
// make_exception_ptr, nested exceptions, uncaught_exceptions.
#include <cstdio>
#include <exception>
#include <stdexcept>
#include <string>
#include <vector>

static int live = 0;
struct Tracked : std::runtime_error {
    explicit Tracked(const char *w) : std::runtime_error(w) { live++; }
    Tracked(const Tracked &o) : std::runtime_error(o) { live++; }
    ~Tracked() { live--; }
};

static std::exception_ptr capture(int k) {
    try {
        if (k == 0) throw Tracked("tracked");
        if (k == 1) throw 17;
        throw std::string("text");
    } catch (...) {
        return std::current_exception();
    }
}

static void show(const std::exception_ptr &p) {
    try {
        std::rethrow_exception(p);
    } catch (const std::exception &e) {
        printf("  exception: %s\n", e.what());
    } catch (int v) {
        printf("  int: %d\n", v);
    } catch (const std::string &s) {
        printf("  string: %s\n", s.c_str());
    }
}

struct Reporter {
    ~Reporter() { printf("  in a destructor: uncaught_exceptions() = %d\n", std::uncaught_exceptions()); }
};

static void print_nested(const std::exception &e, int level) {
    printf("  %*s%s\n", level * 2, "", e.what());
    try {
        std::rethrow_if_nested(e);
    } catch (const std::exception &inner) {
        print_nested(inner, level + 1);
    }
}

int main() {
    printf("no exception: %s\n", std::current_exception() ? "non-null" : "null");
    std::vector<std::exception_ptr> saved;
    for (int k = 0; k < 3; k++) saved.push_back(capture(k));
    printf("captured 3, live Tracked objects: %d\n", live);
    for (auto &p : saved) show(p);
    printf("shown twice:\n");
    for (auto &p : saved) show(p);
    std::exception_ptr copy = saved[0];
    saved.clear();
    printf("after clear, a copy keeps it: live %d\n", live);
    copy = nullptr;
    printf("after the last copy goes: live %d\n", live);

    std::exception_ptr made = std::make_exception_ptr(std::invalid_argument("made"));
    show(made);
    std::exception_ptr a = made, b = made;
    printf("equal: %s, empty == empty: %s\n", a == b ? "yes" : "no",
           std::exception_ptr() == std::exception_ptr() ? "yes" : "no");

    // Rethrowing an exception_ptr from inside the handler of the same exception.
    try {
        try {
            throw Tracked("same object");
        } catch (...) {
            std::exception_ptr p = std::current_exception();
            try {
                std::rethrow_exception(p);
            } catch (const std::exception &e) {
                printf("inner: %s\n", e.what());
            }
            throw;
        }
    } catch (const std::exception &e) {
        printf("outer: %s\n", e.what());
    }
    printf("live after handlers: %d\n", live);

    printf("uncaught_exceptions: %d\n", std::uncaught_exceptions());
    try {
        Reporter r;
        throw 1;
    } catch (int) {
        printf("  in the handler: %d\n", std::uncaught_exceptions());
    }

    try {
        try {
            throw std::runtime_error("low-level failure");
        } catch (...) {
            std::throw_with_nested(std::logic_error("high-level operation failed"));
        }
    } catch (const std::exception &e) {
        printf("nested:\n");
        print_nested(e, 0);
    }
    return 0;
}
