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
	p->floor = 0;
}

void
gw_pace_started(struct gw_pace *p, double now)
{
	/* Spacing is measured from this start: never less. */
	p->next_send = (now > p->next_send ? now : p->next_send) + p->interval;
}

static double
clamp_interval(double d)
{
	if (d < 1.0)
		d = 1.0;
	return d > SLOWEST_INTERVAL ? SLOWEST_INTERVAL : d;
}

double
gw_pace_limit(const struct gw_pace *p)
{
	/*
	 * Half the rate a refusal came at, not the rate itself: climbing back
	 * to where the service refused would be refused again, every time.
	 */
	double lim = 2 * p->floor;

	if (lim > SLOWEST_INTERVAL)
		lim = SLOWEST_INTERVAL;
	return lim > p->base ? lim : p->base;
}

void
gw_pace_slow_down(struct gw_pace *p, double now, double sent)
{
	if (sent > p->floor)
		p->floor = sent;
	/* Requests of one burst were all sent before the first refusal came. */
	if (sent >= p->interval)
		p->interval = clamp_interval(p->interval * 2);
	if (p->interval < gw_pace_limit(p))
		p->interval = gw_pace_limit(p);
	if (p->next_send < now + p->interval)
		p->next_send = now + p->interval;
}

void
gw_pace_adopt_floor(struct gw_pace *p, double floor)
{
	if (floor <= p->floor)
		return;
	p->floor = floor;
	if (p->interval < gw_pace_limit(p))
		p->interval = gw_pace_limit(p);
}

void
gw_pace_speed_up(struct gw_pace *p)
{
	double lim = gw_pace_limit(p);

	if (p->interval > lim) {
		p->interval *= 0.8;
		if (p->interval < lim)
			p->interval = lim;
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
