/* bm_pool.c: the worker pool (bm_pool.h). */
#include "config.h"

#include "bm_pool.h"

#include <pthread.h>
#include <stdbool.h>
#include <stdint.h>

static struct {
	pthread_mutex_t mu;
	pthread_cond_t wake, done;
	int started;       /* worker threads running */
	unsigned long gen; /* job number */
	int want;          /* workers asked to take part in this job */
	int busy;          /* of those, not finished yet */
	int next;          /* next task to take */
	int tasks;
	bm_pool_fn *fn;
	void *arg;
} pool = {PTHREAD_MUTEX_INITIALIZER, PTHREAD_COND_INITIALIZER, PTHREAD_COND_INITIALIZER, 0, 0, 0, 0, 0, 0, NULL, NULL};

/* Take tasks of the current job until none is left (pool.mu held on entry and exit). */
static void take_tasks(int worker)
{
	while (pool.next < pool.tasks) {
		int t = pool.next++;
		bm_pool_fn *fn = pool.fn;
		void *arg = pool.arg;
		pthread_mutex_unlock(&pool.mu);
		fn(arg, t, worker);
		pthread_mutex_lock(&pool.mu);
	}
}

static void *worker_main(void *arg)
{
	int id = (int)(intptr_t)arg; /* 1.. */
	unsigned long seen = 0;
	pthread_mutex_lock(&pool.mu);
	for (;;) {
		while (pool.gen == seen || id > pool.want) {
			seen = pool.gen;
			pthread_cond_wait(&pool.wake, &pool.mu);
		}
		seen = pool.gen;
		take_tasks(id);
		if (--pool.busy == 0)
			pthread_cond_signal(&pool.done);
	}
	return NULL;
}

/* Start helpers up to HELPERS (pool.mu held); returns how many run. */
static int start_helpers(int helpers)
{
	if (helpers > BM_POOL_MAX_THREADS - 1)
		helpers = BM_POOL_MAX_THREADS - 1;
	while (pool.started < helpers) {
		pthread_t t;
		pthread_attr_t attr;
		pthread_attr_init(&attr);
		pthread_attr_setdetachstate(&attr, PTHREAD_CREATE_DETACHED);
		int rc = pthread_create(&t, &attr, worker_main, (void *)(intptr_t)(pool.started + 1));
		pthread_attr_destroy(&attr);
		if (rc != 0)
			break; /* fewer helpers: the same results, later */
		pool.started++;
	}
	return helpers < pool.started ? helpers : pool.started;
}

/* Wake HELPERS workers for a job of TASKS tasks of FN (pool.mu held). */
static void begin_job(int helpers, int tasks, bm_pool_fn *fn, void *arg)
{
	pool.fn = fn;
	pool.arg = arg;
	pool.tasks = tasks;
	pool.next = 0;
	pool.want = helpers;
	pool.busy = helpers;
	pool.gen++;
	pthread_cond_broadcast(&pool.wake);
}

void bm_pool_start(int threads)
{
	pthread_mutex_lock(&pool.mu);
	start_helpers(threads - 1);
	pthread_mutex_unlock(&pool.mu);
}

void bm_pool_run(int tasks, int threads, bm_pool_fn *fn, void *arg)
{
	if ((threads < tasks ? threads : tasks) <= 1) {
		for (int t = 0; t < tasks; t++)
			fn(arg, t, 0);
		return;
	}
	pthread_mutex_lock(&pool.mu);
	begin_job(start_helpers((threads < tasks ? threads : tasks) - 1), tasks, fn, arg);
	take_tasks(0);
	while (pool.busy > 0)
		pthread_cond_wait(&pool.done, &pool.mu);
	pthread_mutex_unlock(&pool.mu);
}

int bm_pool_spawn(int tasks, bm_pool_fn *fn, void *arg)
{
	if (tasks <= 0)
		return 0;
	pthread_mutex_lock(&pool.mu);
	int helpers = start_helpers(tasks);
	if (helpers > 0)
		begin_job(helpers, tasks, fn, arg);
	pthread_mutex_unlock(&pool.mu);
	return helpers;
}

void bm_pool_join(void)
{
	pthread_mutex_lock(&pool.mu);
	while (pool.busy > 0)
		pthread_cond_wait(&pool.done, &pool.mu);
	pthread_mutex_unlock(&pool.mu);
}
