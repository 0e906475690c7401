/* C++ through libc++ on WASI: iostreams on stdin/stdout, fstreams in a
 * preopened directory, containers and algorithms, a recursive listing
 * (POSIX calls: Debian's wasm32 libc++ is built without <filesystem>).
 * run: /sandbox 3
 * dir: /sandbox
 * stdin: pear 3\napple 10\nfig 7\napple 5\n
 * status: 3
 */
#include <algorithm>
#include <cstdlib>
#include <dirent.h>
#include <sys/stat.h>
#include <fstream>
#include <iostream>
#include <map>
#include <sstream>
#include <string>
#include <vector>

static void walk(const std::string &base, const std::string &rel, std::vector<std::string> &out) {
    DIR *d = opendir((base + rel).c_str());
    if (!d) return;
    while (dirent *e = readdir(d)) {
        std::string n = e->d_name;
        if (n == "." || n == "..") continue;
        struct stat st;
        std::string r = rel + "/" + n;
        bool isdir = stat((base + r).c_str(), &st) == 0 && S_ISDIR(st.st_mode);
        out.push_back(r + (isdir ? "/" : ""));
        if (isdir) walk(base, r, out);
    }
    closedir(d);
}

int main(int argc, char **argv) {
    if (argc < 3) return 99;
    std::map<std::string, int> totals;
    std::string name;
    int n;
    while (std::cin >> name >> n) totals[name] += n;
    std::vector<std::pair<int, std::string>> byCount;
    for (auto &[k, v] : totals) byCount.emplace_back(v, k);
    std::sort(byCount.rbegin(), byCount.rend());
    for (auto &[v, k] : byCount) std::cout << k << " " << v << "\n";

    std::string dir = argv[1];
    {
        std::ofstream out(dir + "/totals.txt");
        for (auto &[k, v] : totals) out << k << '=' << v << '\n';
    }
    mkdir((dir + "/a").c_str(), 0755);
    mkdir((dir + "/a/b").c_str(), 0755);
    std::ofstream(dir + "/a/b/leaf.txt") << "leaf\n";
    std::ifstream in(dir + "/totals.txt");
    std::string line;
    int lines = 0;
    while (std::getline(in, line)) lines++;
    std::cout << "totals.txt has " << lines << " lines\n";
    std::vector<std::string> names;
    walk(dir, "", names);
    std::sort(names.begin(), names.end());
    for (auto &s : names) std::cout << "  " << s << "\n";
    struct stat st;
    stat((dir + "/a/b/leaf.txt").c_str(), &st);
    std::cout << "size of leaf: " << st.st_size << "\n";
    std::cout.flush();
    return std::atoi(argv[2]);
}
