// stl_tour.cpp — a small C++ program that leans on the standard library
// (containers, algorithms, strings, streams, smart pointers, virtual calls,
// RTTI) and prints a deterministic report. Built with kiln-c++ and natively
// with g++, the two outputs must be identical byte for byte; that is how the
// tests show a wasm engine runs C++ the way the native build does.
//
// Determinism rules this file follows: only std::mt19937's raw output (which
// the standard pins down), never std::shuffle or the distributions (whose
// algorithms differ between libc++ and libstdc++); sorts use total orders or
// stable_sort; unordered containers are looked up, never iterated in output.
//
// Usage: stl_tour [N]   (N words of generated text, default 20000)
#include <algorithm>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <functional>
#include <iomanip>
#include <iostream>
#include <map>
#include <memory>
#include <numeric>
#include <optional>
#include <queue>
#include <set>
#include <sstream>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>
#include <random>

namespace {

const char *const kSyllables[] = {"ka", "lo", "mi", "ne", "ru", "sa", "to", "vi", "ze", "po", "qu", "ix"};

// A word made of 1..3 syllables chosen by the generator's raw output.
std::string make_word(std::mt19937 &rng) {
    std::string w;
    int parts = 1 + static_cast<int>(rng() % 3);
    for (int i = 0; i < parts; i++) w += kSyllables[rng() % (sizeof kSyllables / sizeof kSyllables[0])];
    return w;
}

std::string generate_text(std::mt19937 &rng, int words) {
    std::ostringstream out;
    for (int i = 0; i < words; i++) {
        if (i) out << ((rng() % 11 == 0) ? ". " : " ");
        out << make_word(rng);
    }
    return out.str();
}

void word_frequencies(const std::string &text) {
    std::map<std::string, int> counts;
    std::istringstream in(text);
    std::string w;
    while (in >> w) {
        w.erase(std::remove_if(w.begin(), w.end(), [](char c) { return c == '.'; }), w.end());
        if (!w.empty()) counts[w]++;
    }
    std::vector<std::pair<std::string, int>> by_count(counts.begin(), counts.end());
    // Count descending, then word ascending: a total order, so any sort agrees.
    std::sort(by_count.begin(), by_count.end(), [](const auto &a, const auto &b) {
        return a.second != b.second ? a.second > b.second : a.first < b.first;
    });
    std::cout << "distinct words: " << counts.size() << "\n";
    std::cout << "top 8:\n";
    for (size_t i = 0; i < 8 && i < by_count.size(); i++)
        std::cout << "  " << std::setw(10) << std::left << by_count[i].first << std::right << std::setw(6)
                  << by_count[i].second << "\n";
    auto longest = std::max_element(counts.begin(), counts.end(), [](const auto &a, const auto &b) {
        return a.first.size() != b.first.size() ? a.first.size() < b.first.size() : a.first > b.first;
    });
    std::cout << "longest word: " << longest->first << "\n";

    std::unordered_map<std::string, int> lookup(counts.begin(), counts.end());
    for (std::string_view q : {"kaka", "loix", "zz", "mine"}) {
        auto it = lookup.find(std::string(q));
        std::cout << "  lookup " << q << ": " << (it == lookup.end() ? -1 : it->second) << "\n";
    }
}

void number_crunch(std::mt19937 &rng) {
    std::vector<int> v(5000);
    for (int &x : v) x = static_cast<int>(rng() % 100000);
    std::vector<long long> prefix(v.size());
    std::partial_sum(v.begin(), v.end(), prefix.begin(), [](long long a, long long b) { return a + b; });
    long long total = std::accumulate(v.begin(), v.end(), 0LL);
    std::cout << "sum " << total << " prefix[last] " << prefix.back() << "\n";

    std::vector<int> sorted = v;
    std::sort(sorted.begin(), sorted.end());
    sorted.erase(std::unique(sorted.begin(), sorted.end()), sorted.end());
    std::cout << "unique values " << sorted.size() << ", min " << sorted.front() << ", max " << sorted.back()
              << "\n";
    auto lb = std::lower_bound(sorted.begin(), sorted.end(), 50000);
    std::cout << "first >= 50000: " << *lb << " at " << (lb - sorted.begin()) << "\n";

    std::vector<int> nth = v;
    std::nth_element(nth.begin(), nth.begin() + nth.size() / 2, nth.end());
    std::cout << "median " << nth[nth.size() / 2] << "\n";

    std::vector<int> evens;
    std::copy_if(v.begin(), v.end(), std::back_inserter(evens), [](int x) { return x % 2 == 0; });
    std::transform(evens.begin(), evens.end(), evens.begin(), [](int x) { return x / 2; });
    std::cout << "evens " << evens.size() << ", halved sum " << std::accumulate(evens.begin(), evens.end(), 0LL)
              << "\n";

    std::set<int> a(v.begin(), v.begin() + 2500), b(v.begin() + 2000, v.end());
    std::vector<int> both;
    std::set_intersection(a.begin(), a.end(), b.begin(), b.end(), std::back_inserter(both));
    std::cout << "intersection " << both.size() << "\n";

    std::vector<int> r(v.begin(), v.begin() + 10);
    std::rotate(r.begin(), r.begin() + 3, r.end());
    std::reverse(r.begin(), r.end());
    std::cout << "rotated+reversed:";
    for (int x : r) std::cout << ' ' << x;
    std::cout << "\n";

    // Floating point through iostreams: correctly rounded on both libcs.
    double mean = static_cast<double>(total) / static_cast<double>(v.size());
    double var = 0;
    for (int x : v) var += (x - mean) * (x - mean);
    var /= static_cast<double>(v.size());
    std::cout << std::fixed << std::setprecision(3) << "mean " << mean << " variance " << var << "\n";
    std::cout.unsetf(std::ios::floatfield);
    std::cout << std::setprecision(6);
}

// Dijkstra over a generated graph: priority_queue, vectors of vectors, optional.
void shortest_paths(std::mt19937 &rng) {
    const int n = 200;
    std::vector<std::vector<std::pair<int, int>>> adj(n);
    for (int i = 0; i < n; i++)
        for (int k = 0; k < 4; k++) {
            int j = static_cast<int>(rng() % n), w = 1 + static_cast<int>(rng() % 50);
            adj[i].push_back({j, w});
        }
    std::vector<std::optional<long>> dist(n);
    using item = std::pair<long, int>;
    std::priority_queue<item, std::vector<item>, std::greater<item>> pq;
    dist[0] = 0;
    pq.push({0, 0});
    while (!pq.empty()) {
        auto [d, u] = pq.top();
        pq.pop();
        if (d != *dist[u]) continue;
        for (auto [v, w] : adj[u])
            if (!dist[v] || d + w < *dist[v]) {
                dist[v] = d + w;
                pq.push({d + w, v});
            }
    }
    int reachable = static_cast<int>(std::count_if(dist.begin(), dist.end(), [](auto &d) { return d.has_value(); }));
    long far = 0;
    for (auto &d : dist)
        if (d) far = std::max(far, *d);
    std::cout << "reachable " << reachable << " of " << n << ", farthest " << far << "\n";
    std::ostringstream hex;
    for (int i = 0; i < 6; i++) hex << std::hex << std::setw(4) << std::setfill('0') << dist[i * 7].value_or(0xffff) << ' ';
    std::cout << "dist (hex): " << hex.str() << "\n";
}

// Virtual dispatch, unique_ptr, dynamic_cast (RTTI).
struct Shape {
    virtual ~Shape() = default;
    virtual long area2() const = 0; // twice the area, to stay in integers
    virtual std::string name() const = 0;
};
struct Rect : Shape {
    long w, h;
    Rect(long w_, long h_) : w(w_), h(h_) {}
    long area2() const override { return 2 * w * h; }
    std::string name() const override { return "rect"; }
};
struct Tri : Shape {
    long b, h;
    Tri(long b_, long h_) : b(b_), h(h_) {}
    long area2() const override { return b * h; }
    std::string name() const override { return "tri"; }
};

void shapes(std::mt19937 &rng) {
    std::vector<std::unique_ptr<Shape>> all;
    for (int i = 0; i < 100; i++) {
        long a = 1 + rng() % 30, b = 1 + rng() % 30;
        if (rng() % 2)
            all.push_back(std::make_unique<Rect>(a, b));
        else
            all.push_back(std::make_unique<Tri>(a, b));
    }
    std::stable_sort(all.begin(), all.end(), [](const auto &x, const auto &y) { return x->area2() < y->area2(); });
    std::map<std::string, long> by_kind;
    int rects = 0;
    for (auto &s : all) {
        by_kind[s->name()] += s->area2();
        if (dynamic_cast<Rect *>(s.get())) rects++;
    }
    std::cout << "shapes: " << rects << " rects;";
    for (auto &[k, v] : by_kind) std::cout << ' ' << k << '=' << v;
    std::cout << "; smallest " << all.front()->name() << ' ' << all.front()->area2() << ", largest "
              << all.back()->name() << ' ' << all.back()->area2() << "\n";
    std::function<long(int)> sum_first = [&](int k) { return k == 0 ? 0 : all[k - 1]->area2() + sum_first(k - 1); };
    std::cout << "sum of 10 smallest " << sum_first(10) << "\n";
}

} // namespace

int main(int argc, char **argv) {
    int words = 20000;
    if (argc > 1) {
        char *end;
        long n = std::strtol(argv[1], &end, 10);
        if (*end || n < 1 || n > 10000000) {
            std::fprintf(stderr, "stl_tour: N must be 1..10000000, not '%s'\n", argv[1]);
            return 2;
        }
        words = static_cast<int>(n);
    }
    std::mt19937 rng(20240219u);
    std::string text = generate_text(rng, words);
    std::cout << "text: " << text.size() << " bytes, starts \"" << text.substr(0, 40) << "\"\n";
    word_frequencies(text);
    number_crunch(rng);
    shortest_paths(rng);
    shapes(rng);
    std::printf("done (printf and iostream share stdout)\n");
    return 0;
}
