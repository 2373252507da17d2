/* clock.h - the one monotonic clock and the deadline every wait is bounded by.
 *
 * A deadline is a point in time; code that waits asks how many milliseconds
 * are left instead of re-computing "deadline - now" by hand. */
#ifndef ESPBURN_CLOCK_H
#define ESPBURN_CLOCK_H

#include <stdbool.h>
#include <stdint.h>

/* Milliseconds from a monotonic clock (never goes back). */
int64_t eb_now_ms(void);
/* Sleep `ms` milliseconds (resumed after signals); nothing for ms <= 0. */
void eb_sleep_ms(int ms);

struct eb_deadline {
    int64_t at_ms; /* eb_now_ms() value at which time is up */
};

/* The deadline `ms` milliseconds from now (a negative ms is already past). */
static inline struct eb_deadline eb_deadline_in(int ms)
{
    return (struct eb_deadline){ eb_now_ms() + ms };
}
/* Milliseconds left, never below 0 and never above INT32_MAX. */
int eb_deadline_left(struct eb_deadline d);
static inline bool eb_deadline_passed(struct eb_deadline d)
{
    return eb_now_ms() >= d.at_ms;
}

#endif
