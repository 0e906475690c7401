// cxx.cc — C++ names in a profile: a function template and a const member
// function in a namespace, which the profile must show demangled.
#include <cstdlib>

#define NOINLINE __attribute__((noinline))

namespace geo {
template <typename T> NOINLINE T scale(T v, int k) {
    volatile T s = 0;
    for (int i = 0; i < k; i++) s = s + v;
    return s;
}

struct Grid {
    int rows;
    NOINLINE long sum(int n) const;
};

long Grid::sum(int n) const { return scale<long>(rows, n) + (long)scale<double>(0.5, n); }
} // namespace geo

int main(int argc, char **argv) {
    geo::Grid g{argc};
    return (int)(g.sum(argc > 1 ? std::atoi(argv[1]) : 100) & 1);
}
