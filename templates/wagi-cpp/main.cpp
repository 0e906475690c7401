// __NAME__: an HTTP handler in C++ for kiln serve (WAGI). The request arrives
// as environment variables (REQUEST_METHOD, PATH_INFO, ...), its query
// parameters as arguments ("name=ada"), its body on stdin; the answer is CGI
// headers, a blank line, then the body, on stdout.
#include <cstdlib>
#include <iostream>
#include <string>

int main(int argc, char **argv) {
    std::string name = "world";
    for (int i = 1; i < argc; i++) {
        std::string a = argv[i];
        if (a.rfind("name=", 0) == 0 && a.size() > 5) name = a.substr(5);
    }
    const char *path = std::getenv("PATH_INFO");
    std::cout << "Content-Type: text/plain; charset=utf-8\n\n";
    std::cout << "Hello, " << name << ", from __NAME__ (" << (path && *path ? path : "/") << ")!\n";
    return 0;
}
