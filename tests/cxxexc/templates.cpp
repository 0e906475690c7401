// Exceptions through templates, lambdas, std::function, algorithms and
// containers; exception types that are templates.
#include <algorithm>
#include <cstdio>
#include <functional>
#include <map>
#include <stdexcept>
#include <string>
#include <vector>

template <typename T> struct Error : std::runtime_error {
    T value;
    Error(const char *what, T v) : std::runtime_error(what), value(v) {}
};

template <typename T> T checked_div(T a, T b) {
    if (b == T(0)) throw Error<T>("division by zero", a);
    return a / b;
}

template <typename F> int apply_all(const std::vector<int> &xs, F f) {
    int sum = 0;
    for (int x : xs) sum += f(x);
    return sum;
}

template <int N> struct Recurse {
    static int go(int x) { return Recurse<N - 1>::go(x + 1); }
};
template <> struct Recurse<0> {
    static int go(int x) { throw Error<int>("bottom of the template recursion", x); }
};

int main() {
    try {
        printf("%d\n", checked_div(10, 2));
        printf("%d\n", checked_div(10, 0));
    } catch (const Error<int> &e) {
        printf("Error<int>: %s, value %d\n", e.what(), e.value);
    }
    try {
        checked_div(1.5, 0.0);
    } catch (const Error<int> &) {
        printf("wrong clause\n");
    } catch (const Error<double> &e) {
        printf("Error<double>: %s, value %.1f\n", e.what(), e.value);
    }
    try {
        Recurse<40>::go(0);
    } catch (const std::runtime_error &e) {
        printf("%s (after %d levels)\n", e.what(), static_cast<const Error<int> &>(e).value);
    }

    std::vector<int> xs = {1, 2, 3, 4, 5};
    try {
        apply_all(xs, [](int x) {
            if (x == 4) throw std::string("lambda saw 4");
            return x;
        });
    } catch (const std::string &s) {
        printf("%s\n", s.c_str());
    }

    std::function<int(int)> f = [](int x) -> int {
        if (x < 0) throw std::domain_error("negative");
        return x * 2;
    };
    try {
        printf("f(3) = %d\n", f(3));
        printf("f(-1) = %d\n", f(-1));
    } catch (const std::domain_error &e) {
        printf("std::function threw %s\n", e.what());
    }

    std::vector<int> v = {5, 3, 9, 1, 7};
    int comparisons = 0;
    try {
        std::sort(v.begin(), v.end(), [&](int a, int b) {
            if (++comparisons == 4) throw std::logic_error("comparator gave up");
            return a < b;
        });
    } catch (const std::logic_error &e) {
        printf("sort: %s after %d comparisons\n", e.what(), comparisons);
    }

    std::map<std::string, int> m = {{"one", 1}};
    try {
        printf("one = %d\n", m.at("one"));
        printf("two = %d\n", m.at("two"));
    } catch (const std::out_of_range &) {
        printf("map::at threw std::out_of_range\n");
    }
    std::vector<int> small(3);
    try {
        small.at(3) = 1;
    } catch (const std::out_of_range &) {
        printf("vector::at threw std::out_of_range\n");
    }
    try {
        std::vector<int> huge;
        huge.reserve(huge.max_size() + 1);
    } catch (const std::length_error &) {
        printf("vector::reserve threw std::length_error\n");
    }
    try {
        std::function<void()> empty;
        empty();
    } catch (const std::bad_function_call &) {
        printf("empty std::function threw std::bad_function_call\n");
    }
    return 0;
}
