/* timer.h — the engine's deadline thread (timer.c). */
#ifndef KILN_ENGINE_TIMER_H
#define KILN_ENGINE_TIMER_H

#include <stdbool.h>
#include <stdint.h>

#include "kiln.h"

/* Starts the clock for a call in `s`: after timeout_ns it is interrupted. */
bool timer_arm(kiln_store *s, uint64_t timeout_ns);
/* The call ended: forget the deadline and clear any interruption. */
void timer_disarm(kiln_store *s);
void timer_shutdown(kiln_engine *e);

#endif
