/* A small C program for the seed corpus: loops, floats, function pointers
 * (call_indirect), memcpy-like bulk copies and a switch (br_table). */
typedef unsigned u32;
static u32 state = 12345;
static u32 next(void) { state = state * 1103515245u + 12345u; return state >> 8; }
static int add(int a, int b) { return a + b; }
static int mul(int a, int b) { return a * b; }
static int (*ops[])(int, int) = {add, mul};
static unsigned char buf[4096];
int mix(int n) {
    int acc = 1;
    for (int i = 0; i < n; i++) acc = ops[next() & 1](acc, (int)(next() % 97));
    return acc;
}
double series(int n) {
    double s = 0;
    for (int i = 1; i <= n; i++) s += (i & 1 ? 1.0 : -1.0) / (2.0 * i - 1.0);
    return 4 * s;
}
int classify(int x) {
    switch (x % 7) {
    case 0: return 11; case 1: return 13; case 2: return 17; case 3: return 19;
    case 4: return 23; case 5: return 29; default: return x / (x - 6);
    }
}
long long shuffle(int n) {
    for (int i = 0; i < 4096; i++) buf[i] = (unsigned char)next();
    __builtin_memcpy(buf + 100, buf, (unsigned)n % 3000);
    __builtin_memset(buf + 7, n, 200);
    long long h = 0;
    for (int i = 0; i < 4096; i++) h = h * 31 + buf[i];
    return h;
}
float fl(float x) { return (float)(int)(x * 3.7f) / (x + 0.5f); }
