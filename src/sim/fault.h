/* fault.h - parsing --fault SPEC into the engine's fault settings. */
#ifndef ESPBURN_SIM_FAULT_H
#define ESPBURN_SIM_FAULT_H

#include "common/err.h"
#include "sim/engine.h"

/* Specs: drop-byte:N, corrupt-byte:N, stop-after:N, disconnect-write:N,
 * brownout-write:N, gpio0-stuck-high, tx-dead. */
int sim_fault_parse(struct sim_faults *f, const char *spec, eb_err *err);
extern const char sim_fault_help[];

#endif
