/*
 * scenarios/lang/units.c - numbers with units (durations, rates, sizes,
 * bandwidths, fractions), integers with ranges, booleans.
 *
 * Called by the scenario binder once per value written in a scenario file or
 * given with --set, and for the defaults of its parameter tables: a few
 * hundred calls per load, nothing kept. The number itself is checked here
 * before strtod sees it, so "inf", "nan", hex floats and trailing junk are
 * refused with a message saying what was expected.
 *
 * SPDX-License-Identifier: MIT
 */
#include "scenarios/lang/units.h"

#include <ctype.h>
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

struct unit {
	const char *name;
	double scale;
};

/* clang-format off */
static const struct unit duration_units[] = {
	{ "ns", 1e-9 }, { "us", 1e-6 }, { "ms", 1e-3 }, { "s", 1.0 },
	{ "m", 60.0 },	{ "min", 60.0 }, { "h", 3600.0 }, { NULL, 0 },
};

/* Per-interval denominators of a rate: "N/ms" is N*1000 per second. */
static const struct unit rate_units[] = {
	{ "/ns", 1e9 }, { "/us", 1e6 }, { "/ms", 1e3 }, { "/s", 1.0 },
	{ "/m", 1 / 60.0 }, { "/min", 1 / 60.0 }, { "/h", 1 / 3600.0 }, { NULL, 0 },
};

static const struct unit size_units[] = {
	{ "B", 1.0 }, { "kB", 1e3 }, { "KB", 1e3 }, { "MB", 1e6 }, { "GB", 1e9 }, { "TB", 1e12 },
	{ "KiB", 1024.0 }, { "MiB", 1048576.0 }, { "GiB", 1073741824.0 },
	{ "TiB", 1099511627776.0 }, { NULL, 0 },
};

static const struct unit bandwidth_units[] = {
	{ "bit", 1.0 },	 { "bps", 1.0 },  { "kbit", 1e3 }, { "Kbit", 1e3 }, { "kbps", 1e3 },
	{ "Kbps", 1e3 }, { "Mbit", 1e6 }, { "Mbps", 1e6 }, { "Gbit", 1e9 }, { "Gbps", 1e9 },
	{ "Tbit", 1e12 }, { "Tbps", 1e12 }, { NULL, 0 },
};

/* clang-format on */

static int units_fail(char *err, size_t errlen, const char *what, const char *s)
{
	if (err && errlen)
		snprintf(err, errlen, "expected %s, got '%s'", what, s);
	return -EINVAL;
}

/*
 * Scan a decimal number at the start of <s>: [+-]digits[.digits][e[+-]digits]
 * (".5" and "5." too). Returns the length scanned, 0 when there is none.
 */
static size_t units_scan_number(const char *s)
{
	size_t i = 0, digits = 0;

	if (s[i] == '+' || s[i] == '-')
		i++;
	while (isdigit((unsigned char)s[i])) {
		i++;
		digits++;
	}
	if (s[i] == '.') {
		i++;
		while (isdigit((unsigned char)s[i])) {
			i++;
			digits++;
		}
	}
	if (!digits)
		return 0;
	if (s[i] == 'e' || s[i] == 'E') {
		size_t j = i + 1;

		if (s[j] == '+' || s[j] == '-')
			j++;
		if (isdigit((unsigned char)s[j])) {
			while (isdigit((unsigned char)s[j]))
				j++;
			i = j;
		}
	}
	return i;
}

/*
 * Parse "NUMBER[UNIT]" with UNIT from <units> (or none: scale 1), into
 * number * scale. Returns 0, or -EINVAL when the number, the unit or the
 * sign (negative values are refused) is wrong; the caller words the error.
 */
static int units_scaled(const char *s, const struct unit *units, double *out)
{
	size_t n = units_scan_number(s);
	double v, scale = 1.0;
	char buf[64];

	if (!n || n >= sizeof(buf))
		return -EINVAL;
	memcpy(buf, s, n);
	buf[n] = '\0';
	v = strtod(buf, NULL);
	if (s[n] != '\0') {
		const struct unit *u;

		for (u = units; u->name; u++)
			if (!strcmp(s + n, u->name))
				break;
		if (!u->name)
			return -EINVAL;
		scale = u->scale;
	}
	v *= scale;
	if (!isfinite(v) || v < 0)
		return -EINVAL;
	*out = v;
	return 0;
}

/*
 * Parse a duration into nanoseconds. Returns 0 and *out, or -EINVAL with
 * a message in err for a bad number or unit, a negative value or one past
 * INT64_MAX nanoseconds (about 292 years).
 */
int units_duration(const char *s, sim_time_t *out, char *err, size_t errlen)
{
	double sec;

	if (units_duration_sec(s, &sec, err, errlen))
		return -EINVAL;
	if (sec * 1e9 >= 9.2e18)
		return units_fail(err, errlen, "a duration below 292 years", s);
	*out = (sim_time_t)llround(sec * 1e9);
	return 0;
}

/* As units_duration, in seconds. Returns 0 or -EINVAL with a message. */
int units_duration_sec(const char *s, double *out, char *err, size_t errlen)
{
	if (units_scaled(s, duration_units, out))
		return units_fail(
			err, errlen,
			"a duration like 10ms (a number >= 0 with unit ns, us, ms, s, m, h; "
			"bare = seconds)",
			s);
	return 0;
}

/* Parse a rate into events per second. Returns 0 or -EINVAL with a message. */
int units_rate(const char *s, double *per_s, char *err, size_t errlen)
{
	if (units_scaled(s, rate_units, per_s))
		return units_fail(err, errlen,
				  "a rate like 3000/s (a number >= 0 per ns, us, ms, s, min, h; "
				  "bare = per second)",
				  s);
	return 0;
}

/* Parse a size into bytes. Returns 0 or -EINVAL with a message. */
int units_size(const char *s, double *bytes, char *err, size_t errlen)
{
	if (units_scaled(s, size_units, bytes))
		return units_fail(
			err, errlen,
			"a size like 20KB (a number >= 0 with unit B, KB, MB, GB, KiB, MiB, "
			"GiB; bare = bytes)",
			s);
	return 0;
}

/* Parse a bandwidth into bits per second. Returns 0 or -EINVAL with a message. */
int units_bandwidth(const char *s, double *bps, char *err, size_t errlen)
{
	if (units_scaled(s, bandwidth_units, bps))
		return units_fail(
			err, errlen,
			"a bandwidth like 1Gbit (a number >= 0 with unit bit, kbit, Mbit, "
			"Gbit, Tbit or kbps, Mbps, Gbps; bare = bits per second)",
			s);
	return 0;
}

/*
 * Parse "5%" (a percentage) or "0.05" (a fraction) into a fraction within
 * 0..1. Returns 0 or -EINVAL with a message.
 */
int units_fraction(const char *s, double *out, char *err, size_t errlen)
{
	static const struct unit pct[] = { { "%", 0.01 }, { NULL, 0 } };
	double v;

	if (units_scaled(s, pct, &v) || v > 1.0)
		return units_fail(err, errlen, "a fraction 0..1 or a percentage like 5%", s);
	*out = v;
	return 0;
}

/* Parse a plain finite number (negative allowed). Returns 0 or -EINVAL. */
int units_number(const char *s, double *out, char *err, size_t errlen)
{
	size_t n = units_scan_number(s);
	double v;

	if (!n || s[n] != '\0')
		return units_fail(err, errlen, "a number", s);
	v = strtod(s, NULL);
	if (!isfinite(v))
		return units_fail(err, errlen, "a finite number", s);
	*out = v;
	return 0;
}

/* Parse a decimal integer within lo..hi. Returns 0 or -EINVAL with a message. */
int units_int(const char *s, long long lo, long long hi, long long *out, char *err, size_t errlen)
{
	char what[80];
	const char *p = s;
	long long v;
	char *end;

	snprintf(what, sizeof(what), "an integer %lld..%lld", lo, hi);
	if (*p == '+' || *p == '-')
		p++;
	if (!isdigit((unsigned char)*p))
		return units_fail(err, errlen, what, s);
	errno = 0;
	v = strtoll(s, &end, 10);
	if (*end != '\0' || errno == ERANGE || v < lo || v > hi)
		return units_fail(err, errlen, what, s);
	*out = v;
	return 0;
}

/* Parse on|off|true|false|yes|no (any case). Returns 0 or -EINVAL. */
int units_bool(const char *s, bool *out, char *err, size_t errlen)
{
	static const char *const yes[] = { "on", "true", "yes" };
	static const char *const no[] = { "off", "false", "no" };

	for (size_t i = 0; i < 3; i++) {
		if (!strcasecmp(s, yes[i])) {
			*out = true;
			return 0;
		}
		if (!strcasecmp(s, no[i])) {
			*out = false;
			return 0;
		}
	}
	return units_fail(err, errlen, "a boolean (on, off, true, false, yes, no)", s);
}
