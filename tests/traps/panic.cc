// C++ abort: a transaction destroyed without commit or rollback calls a
// panic function, which calls std::abort() (wasm: the unreachable in
// wasi-libc's abort; native: SIGABRT). Shapes: a destructor, a class
// template method, a [[noreturn]] function, a namespace.
#include <cstdio>
#include <cstdlib>
#include "trapkit.h"

namespace store {

[[noreturn]] __attribute__((noinline)) void panic(const char *why)
{
    std::fprintf(stderr, "panic: %s\n", why);
    std::abort();
}

class Transaction {
public:
    explicit Transaction(int id) : id_(id), done_(false) {}
    ~Transaction()
    {
        if (!done_) panic("transaction dropped without commit");
    }
    void commit() { done_ = true; }
    int id() const { return id_; }

private:
    int id_;
    bool done_;
};

template <int Capacity>
class Journal {
public:
    int apply(int n)
    {
        int applied = 0;
        for (int i = 0; i < n && i < Capacity; i++) {
            Transaction t(i);
            applied += t.id();
            if (i != 2 * tk_one) t.commit(); // the third one is dropped
        }
        return applied;
    }
};

} // namespace store

int main()
{
    store::Journal<8> j;
    std::printf("%d\n", j.apply(5));
    return 0;
}
