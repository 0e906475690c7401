// C++ integer divide by zero: the average of an empty account. Shapes: a
// nested namespace, a function template, a const method, a static member
// function, a lambda that captures, and an anonymous namespace.
#include <cstdio>
#include "trapkit.h"

namespace acct {
namespace detail {

template <typename T>
T ratio(T total, T count)
{
    return total / count;
}

} // namespace detail

class Ledger {
public:
    Ledger(const int *entries, int n) : entries_(entries), n_(n) {}
    int average() const
    {
        int sum = 0;
        for (int i = 0; i < n_; i++) sum += entries_[i];
        return detail::ratio(sum, n_);
    }
    static int average_of(const Ledger &l) { return l.average(); }

private:
    const int *entries_;
    int n_;
};

__attribute__((noinline)) int summarize(const Ledger *ledgers, int n)
{
    int worst = 0;
    auto check = [&worst](const Ledger &l) {
        int a = Ledger::average_of(l);
        if (a > worst) worst = a;
    };
    for (int i = 0; i < n; i++) check(ledgers[i]);
    return worst;
}

} // namespace acct

namespace {
int run_month(int accounts)
{
    static const int entries[3] = {10, 20, 30};
    acct::Ledger ledgers[2] = {acct::Ledger(entries, 3), acct::Ledger(entries, tk_zero)};
    return acct::summarize(ledgers, accounts);
}
} // namespace

int main()
{
    std::printf("%d\n", run_month(2));
    return 0;
}
