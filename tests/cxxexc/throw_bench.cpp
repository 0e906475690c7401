// throw_bench.cpp — the cost of a C++ throw caught two frames up, with a
// destructor to run on the way, N times (default 100,000):
// bench/RESULTS.md compares kiln with native.
#include <cstdio>
#include <cstdlib>
#include <exception>

struct Failure : std::exception {
    int code;
    explicit Failure(int c) : code(c) {}
    const char *what() const noexcept override { return "failure"; }
};
static volatile int sink;
struct Guard {
    ~Guard() { sink++; }
};
__attribute__((noinline)) static void inner(int i) {
    if (i >= 0) throw Failure(i & 7);
}
__attribute__((noinline)) static void middle(int i) {
    Guard g;
    inner(i);
}
int main(int argc, char **argv) {
    int n = argc > 1 ? atoi(argv[1]) : 100000;
    long long sum = 0;
    for (int i = 0; i < n; i++) {
        try {
            middle(i);
        } catch (const std::exception &e) {
            sum += static_cast<const Failure &>(e).code;
        }
    }
    printf("%lld %d\n", sum, sink);
    return 0;
}
