/* reactor.c — a WASI reactor (no _start, no main): kiln serve must refuse to
 * deploy it, since WAGI runs commands. Built with -mexec-model=reactor. */
__attribute__((export_name("add"))) int add(int a, int b) { return a + b; }
