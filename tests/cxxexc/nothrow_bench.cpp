// nothrow_bench.cpp — C++ that never throws but is full of what exceptions
// touch (destructors, containers, strings, calls that may throw): built with
// and without -fno-exceptions, bench/RESULTS.md compares the two on kiln.
#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <map>
#include <string>
#include <vector>

static std::string word(unsigned x) {
    std::string s;
    do {
        s += char('a' + x % 26);
        x /= 26;
    } while (x);
    return s;
}

int main(int argc, char **argv) {
    int n = argc > 1 ? atoi(argv[1]) : 20000;
    std::map<std::string, int> counts;
    std::vector<std::string> words;
    unsigned x = 12345;
    for (int i = 0; i < n; i++) {
        x = x * 1103515245u + 12345u;
        std::string w = word((x >> 8) % 5000);
        counts[w]++;
        words.push_back(std::move(w));
    }
    std::sort(words.begin(), words.end());
    words.erase(std::unique(words.begin(), words.end()), words.end());
    long total = 0;
    for (const auto &w : words) total += counts.at(w) * (long)w.size();
    printf("%zu distinct, %ld\n", words.size(), total);
    return 0;
}
