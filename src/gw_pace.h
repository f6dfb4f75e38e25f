/* The gateway's pace: one run-wide spacing of request starts, the slow-down after a refusal, backoff before a retry. */
#ifndef GW_PACE_H
#define GW_PACE_H

struct gw_pace {
	double base;      /* seconds between request starts at --rate */
	double interval;  /* seconds between request starts, now */
	double next_send; /* monotonic time the next request may start */
	double floor;     /* the widest spacing a refusal came at, 0: none yet */
};

/* Seconds between request starts for a rate: a 4% margin so network jitter
 * cannot bring two requests to the backend inside one admitted interval. */
double gw_pace_interval(double rate);

void gw_pace_init(struct gw_pace *p, double rate, double now);
/* A request starts now: the next one may start one interval later. */
void gw_pace_started(struct gw_pace *p, double now);
/*
 * After a refusal of a request started at spacing sent: double the spacing
 * (at least 1 s, at most 60 s) from now on, unless the run already slowed
 * down after that request started (answers to one burst count once).
 */
void gw_pace_slow_down(struct gw_pace *p, double now, double sent);
/*
 * Another run on this machine was refused at spacing floor: never go
 * faster than after a refusal of our own there.
 */
void gw_pace_adopt_floor(struct gw_pace *p, double floor);
/* The closest spacing the pace may come back to: --rate's, or twice a refused one. */
double gw_pace_limit(const struct gw_pace *p);
/*
 * After a success: recover a fifth of the way towards gw_pace_limit, never
 * back to a spacing at which a refusal came.
 */
void gw_pace_speed_up(struct gw_pace *p);

/*
 * Seconds to wait before retry number attempt + 1: 0.5 s doubled per
 * attempt up to 30 s, times 1 to 1.5 by jitter (a fraction in [0, 1)).
 */
double gw_backoff(long attempt, double jitter);
/* A uniformly random fraction in [0, 1) from the CSPRNG (jitter only). */
double gw_jitter(void);

#endif
