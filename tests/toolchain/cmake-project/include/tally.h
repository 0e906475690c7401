/* tally.h — a tiny library for the CMake test project. */
#ifndef TALLY_H
#define TALLY_H
#ifdef __cplusplus
extern "C" {
#endif
/* 1*1 + 2*2 + ... + n*n */
long tally_squares(int n);
#ifdef __cplusplus
}
#endif
#endif
