/*
 * scenarios/lang/units.h - values with units as written in scenario files.
 *
 * Each parser takes one token and returns 0 with the value in the base unit
 * (nanoseconds, per second, bytes, bits per second, a fraction), or -EINVAL
 * with a message "expected ..., got '...'" (no location) in err.
 *
 * SPDX-License-Identifier: MIT
 */
#ifndef LBSIM_SCENARIOS_LANG_UNITS_H
#define LBSIM_SCENARIOS_LANG_UNITS_H

#include <stdbool.h>
#include <stddef.h>

#include "sim/sim.h"

/* "10ms", "1.5m", "2h", "100ns"; a bare number is seconds. >= 0. */
int units_duration(const char *s, sim_time_t *out, char *err, size_t errlen);
/* units_duration, in seconds as a double (for distributions and expect). */
int units_duration_sec(const char *s, double *out, char *err, size_t errlen);
/* "3000/s", "50/ms", "180/min", "10/h"; a bare number is per second. >= 0. */
int units_rate(const char *s, double *per_s, char *err, size_t errlen);
/* "1500B", "20KB" (10^3), "10KiB" (2^10), MB GB TB MiB GiB TiB; bare = bytes. >= 0. */
int units_size(const char *s, double *bytes, char *err, size_t errlen);
/* "1Gbit", "100Mbit", "10kbit", "1Gbps" (= Gbit); bare = bits per second. >= 0. */
int units_bandwidth(const char *s, double *bps, char *err, size_t errlen);
/* "5%" -> 0.05, or a plain fraction "0.05"; within 0..1. */
int units_fraction(const char *s, double *out, char *err, size_t errlen);
/* A plain decimal number (no unit), finite. */
int units_number(const char *s, double *out, char *err, size_t errlen);
/* A decimal integer within lo..hi. */
int units_int(const char *s, long long lo, long long hi, long long *out, char *err, size_t errlen);
/* on|off|true|false|yes|no. */
int units_bool(const char *s, bool *out, char *err, size_t errlen);

#endif /* LBSIM_SCENARIOS_LANG_UNITS_H */
