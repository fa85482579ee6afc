/*
 * job_overview — what the farm overview reads of the user's prints in one
 * query: the day's numbers. Part of the job module: defined in job.c,
 * the owner of every query on the prints table; read-only.
 */
#ifndef JOB_OVERVIEW_H
#define JOB_OVERVIEW_H

#include <stdint.h>

struct ctx;
struct job;

struct job_today {
    int64_t printing;  /* started now */
    int64_t queued;    /* queued or scheduled now */
    int64_t completed; /* completed since the day began */
    int64_t failed;    /* failed since the day began */
    int64_t grams;     /* used by prints that ended since the day began */
};

/* The user's numbers for the day that began at since (UTC seconds). 0, or
 * -1 with an internal error. */
int job_overview_today(struct ctx *c, int64_t since, struct job_today *t);

/* The user's prints that failed at or after since (UTC seconds), the
 * latest first, at most limit, from the arena: what the overview asks the
 * owner to review. 0 or -1. */
int job_failed_since(struct ctx *c, int64_t since, int64_t limit,
                     struct job **out, int *n);

#endif
