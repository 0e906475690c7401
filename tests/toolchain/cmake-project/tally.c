#include "tally.h"
long tally_squares(int n) {
    long s = 0;
    for (int i = 1; i <= n; i++) s += (long)i * i;
    return s;
}
