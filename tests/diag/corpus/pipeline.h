#ifndef PIPELINE_H
#define PIPELINE_H
long apply(const unsigned char *img, unsigned char *out, int w, int h, int radius);
#endif
