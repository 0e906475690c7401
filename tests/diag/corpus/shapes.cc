// Corpus: C++ names: namespaces, classes with virtual methods, templates,
// an anonymous namespace, operators and a lambda.
#include <cstdio>
#include <cstdlib>
#include <vector>

namespace geo {

template <typename T>
struct Vec2 {
    T x, y;
    T dot(const Vec2 &o) const { return x * o.x + y * o.y; }
    Vec2 operator+(const Vec2 &o) const { return {x + o.x, y + o.y}; }
};

class Shape {
public:
    virtual ~Shape() = default;
    virtual double area() const = 0;
};

class Rect : public Shape {
public:
    Rect(double w, double h) : w_(w), h_(h) {}
    double area() const override { return w_ * h_; }
private:
    double w_, h_;
};

namespace {
int checked_index(const std::vector<int> &v, int i)
{
    if (i >= (int)v.size()) __builtin_trap();
    return v[i];
}
} // namespace

template <typename T>
T total(const std::vector<Vec2<T>> &vs)
{
    T sum{};
    for (const auto &v : vs) sum += v.dot(v);
    return sum;
}

int lookup(const std::vector<int> &v, int i) { return checked_index(v, i); }

} // namespace geo

int main(int argc, char **argv)
{
    std::vector<geo::Vec2<int>> vs{{1, 2}, {3, 4}};
    std::vector<geo::Vec2<double>> ws{{0.5, 1.5}};
    geo::Rect r(2, 3);
    const geo::Shape &s = r;
    auto scale = [argc](double a) { return a * argc; };
    std::vector<int> idx{1, 2, 3};
    int i = argc > 1 ? std::atoi(argv[1]) : 0;
    std::printf("%d %g %g %d\n", geo::total(vs), geo::total(ws), scale(s.area()),
                geo::lookup(idx, i));
    return (vs[0] + vs[1]).x == 4 ? 0 : 1;
}
