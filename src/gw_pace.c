/* Pacing the gateway's requests: spacing, slowing down after refusals, exponential backoff with jitter. */
#include "gw_pace.h"

#include <openssl/rand.h>

#define BACKOFF_BASE 0.5      /* seconds before the first retry */
#define BACKOFF_MAX 30.0
#define SLOWEST_INTERVAL 60.0 /* slowing down never goes past one call a minute */
#define PACE_MARGIN 1.04      /* request spacing over the admitted interval */

double
gw_pace_interval(double rate)
{
	return PACE_MARGIN / rate;
}

void
gw_pace_init(struct gw_pace *p, double rate, double now)
{
	p->base = p->interval = gw_pace_interval(rate);
	p->next_send = now;
}

void
gw_pace_started(struct gw_pace *p, double now)
{
	/* Spacing is measured from this start: never less. */
	p->next_send = (now > p->next_send ? now : p->next_send) + p->interval;
}

void
gw_pace_slow_down(struct gw_pace *p, double now)
{
	p->interval *= 2;
	if (p->interval < 1.0)
		p->interval = 1.0;
	if (p->interval > SLOWEST_INTERVAL)
		p->interval = SLOWEST_INTERVAL;
	if (p->next_send < now + p->interval)
		p->next_send = now + p->interval;
}

void
gw_pace_speed_up(struct gw_pace *p)
{
	if (p->interval > p->base) {
		p->interval *= 0.8;
		if (p->interval < p->base)
			p->interval = p->base;
	}
}

double
gw_jitter(void)
{
	unsigned short r = 0;

	if (RAND_bytes((unsigned char *)&r, sizeof(r)) != 1)
		return 0.5;
	return (double)r / 65536.0;
}

double
gw_backoff(long attempt, double jitter)
{
	double d = BACKOFF_BASE;
	long i;

	for (i = 0; i < attempt && d < BACKOFF_MAX; i++)
		d *= 2;
	if (d > BACKOFF_MAX)
		d = BACKOFF_MAX;
	return d * (1.0 + 0.5 * jitter);
}
