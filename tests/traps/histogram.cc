// C++ integer divide by zero in a constructor: a histogram with no buckets.
// Shapes: constructors (clang may emit the complete-object constructor as
// an alias of the base-object one, or as a function calling it), a member
// initialised by its constructor inside a class template's constructor,
// and an object made with new.
#include <cstdio>
#include "trapkit.h"

namespace stats {

class Histogram {
public:
    Histogram(int lo, int hi, int buckets)
        : lo_(lo), width_((hi - lo) / buckets), buckets_(buckets) {}
    int bucket_of(int v) const { return (v - lo_) / width_; }

private:
    int lo_, width_, buckets_;
};

template <typename T>
class Binned {
public:
    explicit Binned(int buckets) : hist_(0, 100, buckets), count_(0) {}
    int add(T v)
    {
        count_++;
        return hist_.bucket_of(static_cast<int>(v));
    }

private:
    Histogram hist_;
    int count_;
};

} // namespace stats

static stats::Binned<double> *make_binned(int buckets)
{
    return new stats::Binned<double>(buckets);
}

int main()
{
    stats::Binned<double> *a = make_binned(10);
    stats::Binned<double> *b = make_binned(tk_zero);
    std::printf("%d %d\n", a->add(5.0), b->add(7.0));
    return 0;
}
