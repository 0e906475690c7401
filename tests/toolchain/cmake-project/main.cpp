#include <iostream>
#include <numeric>
#include <string>
#include <vector>
#include "tally.h"
int main(int argc, char **argv) {
    std::vector<std::string> words(argv + 1, argv + argc);
    std::string joined = std::accumulate(words.begin(), words.end(), std::string(),
                                         [](std::string a, const std::string &b) { return a.empty() ? b : a + "+" + b; });
    std::cout << "c++: squares(" << words.size() << ") = " << tally_squares(static_cast<int>(words.size()))
              << ", words " << joined << "\n";
    return 0;
}
