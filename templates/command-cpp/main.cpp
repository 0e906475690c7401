// __NAME__: a WASI command in C++, built with kiln-c++ and run with kiln run.
#include <iostream>
#include <string>
#include <vector>

int main(int argc, char **argv) {
    std::vector<std::string> args(argv + 1, argv + argc);
    std::string who = args.empty() ? "world" : args[0];
    std::cout << "Hello, " << who << ", from __NAME__!\n";
    return 0;
}
