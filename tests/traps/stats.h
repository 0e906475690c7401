/* stats.h — the statistics half of the arithmetic programs. */
#ifndef STATS_H
#define STATS_H

int stats_mean(const int *values, int n);
int stats_rescale(int value, int divisor);

#endif
