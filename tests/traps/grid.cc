// C++ out-of-bounds load: a grid whose cell storage pointer is garbage.
// Shapes: namespaces, a class template with an inline method, a virtual
// method reached through a base pointer, a function template taking a
// lambda, and the lambda itself.
#include <cstdint>
#include <cstdio>
#include "trapkit.h"

namespace geo {

template <typename T>
class Grid {
public:
    Grid(int w, int h, T *cells) : w_(w), h_(h), cells_(cells) {}
    int width() const { return w_; }
    int height() const { return h_; }
    T at(int x, int y) const { return cells_[y * w_ + x]; }

private:
    int w_, h_;
    T *cells_;
};

template <typename T, typename F>
T fold_cells(const Grid<T> &g, T init, F f)
{
    T acc = init;
    for (int y = 0; y < g.height(); y++)
        for (int x = 0; x < g.width(); x++)
            acc = f(acc, g.at(x, y));
    return acc;
}

class Layer {
public:
    virtual ~Layer() {}
    virtual long energy() const = 0;
};

class HeightLayer : public Layer {
public:
    explicit HeightLayer(const Grid<long> &g) : grid_(g) {}
    long energy() const override
    {
        return fold_cells(grid_, 0L, [](long acc, long v) { return acc + v * v; });
    }

private:
    Grid<long> grid_;
};

} // namespace geo

static long total_energy(geo::Layer *const *layers, int n)
{
    long e = 0;
    for (int i = 0; i < n; i++) e += layers[i]->energy();
    return e;
}

int main()
{
    long ok_cells[4] = {1, 2, 3, 4};
    geo::Grid<long> good(2, 2, ok_cells);
    geo::Grid<long> bad(64, 64, reinterpret_cast<long *>(tk_wild)); // corrupted
    geo::HeightLayer a(good), b(bad);
    geo::Layer *layers[2] = {&a, &b};
    std::printf("%ld\n", total_energy(layers, 2));
    return 0;
}
