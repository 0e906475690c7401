/* shapes.h — the make-project's library. */
#ifndef SHAPES_H
#define SHAPES_H
double circle_area(double r);
long rect_area(long w, long h);
#endif
