/* Fault injection for the test suite: with MOAT_FAULT_AT=<point> in its
 * environment, moat kills itself (SIGKILL, as a crash or an OOM kill would)
 * when it reaches the named point, so tests can prove that every step of a
 * lifecycle command can be interrupted and cleaned up by delete --force.
 * Points are named "<command>:<step>"; `moat` never reads the variable for
 * anything else. */
#ifndef MOAT_UTIL_FAULT_H
#define MOAT_UTIL_FAULT_H

void fault_point(const char *name);

#endif
