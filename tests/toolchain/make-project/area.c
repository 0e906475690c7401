#include <math.h>
#include "shapes.h"
double circle_area(double r) { return M_PI * r * r; }
long rect_area(long w, long h) { return w * h; }
