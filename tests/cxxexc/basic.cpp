// Throw and catch: by value, by reference, by base class, pointers,
// built-in types, catch (...), the order of clauses, nested try, rethrow.
#include <cstdio>
#include <stdexcept>
#include <string>

struct Base {
    int id;
    explicit Base(int i) : id(i) {}
    virtual ~Base() {}
    virtual const char *who() const { return "Base"; }
};
struct Derived : Base {
    explicit Derived(int i) : Base(i) {}
    const char *who() const override { return "Derived"; }
};
struct Other {};
struct Multi : Other, Derived { // a second base: the adjustment is not 0
    Multi() : Derived(7) {}
    const char *who() const override { return "Multi"; }
};

struct Counted {
    static int copies;
    int v;
    explicit Counted(int x) : v(x) {}
    Counted(const Counted &o) : v(o.v) { copies++; }
};
int Counted::copies = 0;

static void throw_kind(int k) {
    switch (k) {
    case 0: throw 42;
    case 1: throw 2.5;
    case 2: throw 'c';
    case 3: throw "a C string";
    case 4: throw std::string("a std::string");
    case 5: throw Derived(5);
    case 6: throw Multi();
    case 7: throw std::runtime_error("runtime");
    case 8: throw std::out_of_range("range");
    case 9: { static Derived d(9); throw &d; }
    case 10: throw Other();
    case 11: throw 7u;
    case 12: throw nullptr;
    }
}

static void classify(int k) {
    try {
        throw_kind(k);
        printf("%d: no throw\n", k);
    } catch (int v) {
        printf("%d: int %d\n", k, v);
    } catch (double d) {
        printf("%d: double %.1f\n", k, d);
    } catch (char c) {
        printf("%d: char %c\n", k, c);
    } catch (const char *s) {
        printf("%d: const char* %s\n", k, s);
    } catch (const std::string &s) {
        printf("%d: std::string %s\n", k, s.c_str());
    } catch (std::nullptr_t) { // before the pointer clause, which would take it too
        printf("%d: nullptr\n", k);
    } catch (const Base *b) {
        printf("%d: Base* %s %d\n", k, b->who(), b->id);
    } catch (const Base &b) {
        printf("%d: Base& %s %d\n", k, b.who(), b.id);
    } catch (const std::logic_error &e) {
        printf("%d: logic_error %s\n", k, e.what());
    } catch (const std::exception &e) {
        printf("%d: exception %s\n", k, e.what());
    } catch (...) {
        printf("%d: something else\n", k);
    }
}

static int by_value() {
    try {
        throw Counted(3);
    } catch (Counted c) {
        return c.v;
    }
}

static void nested(int depth) {
    try {
        try {
            if (depth == 0) throw std::runtime_error("inner");
            throw depth;
        } catch (const std::runtime_error &e) {
            printf("nested: inner caught %s, throwing int\n", e.what());
            throw 100;
        }
    } catch (int v) {
        printf("nested: outer caught int %d\n", v);
    }
}

static void rethrow_it() {
    try {
        try {
            throw Derived(11);
        } catch (Base &b) {
            printf("rethrow: first handler %s\n", b.who());
            b.id = 12;
            throw; // the same object
        }
    } catch (Derived &d) {
        printf("rethrow: second handler %s id %d\n", d.who(), d.id);
    }
}

int main() {
    for (int k = 0; k <= 13; k++) classify(k);
    printf("by value: %d\n", by_value()); // how many copies is the compiler's choice
    nested(0);
    nested(1);
    rethrow_it();
    int caught = 0;
    for (int i = 0; i < 1000; i++) {
        try {
            throw i;
        } catch (int v) {
            caught += v == i;
        }
    }
    printf("1000 throws, %d caught\n", caught);
    return 0;
}
