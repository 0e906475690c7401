/* version.c — the library's version string. */
#include "kiln.h"
const char *kiln_version(void) { return KILN_VERSION; }
