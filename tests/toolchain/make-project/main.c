#include <stdio.h>
#include <stdlib.h>
#include "shapes.h"
int main(int argc, char **argv) {
    long w = argc > 2 ? atol(argv[1]) : 6, h = argc > 2 ? atol(argv[2]) : 7;
    printf("rect %ldx%ld = %ld\n", w, h, rect_area(w, h));
    printf("circle r=2 = %.4f\n", circle_area(2.0));
    return 0;
}
