/* bm_pool.h: the thread pool: sleeping worker threads that run the tasks
 * of one job at a time, for every parallel part of bm.
 *
 * bm_pool_run calls FN(ARG, task, worker) for every task in [0, TASKS) on
 * up to THREADS threads (the caller is one of them) and returns when all
 * are done. Tasks are taken in any order by any thread, so a task's result
 * must not depend on who runs it; WORKER (0 for the caller, then 1..) lets
 * a task use per-thread scratch memory. One job at a time per process:
 * FN must not call bm_pool_run. When threads cannot be started, fewer
 * (down to the caller alone) do the same tasks.
 *
 * The workers sleep on a condition variable between jobs instead of
 * spinning as OpenMP's do: on a machine busy with other work the spinning
 * took a core from the thread doing the serial parts of a training step
 * (measured: bm-train -j 2 slower than -j 1 by 40% with libgomp's default
 * policy, as fast with OMP_WAIT_POLICY=passive). */
#ifndef BM_POOL_H
#define BM_POOL_H

#define BM_POOL_MAX_THREADS 64

typedef void bm_pool_fn(void *arg, int task, int worker);

/* Run the TASKS tasks of FN on THREADS threads as above; returns when all
 * are done. Nothing can fail: without threads the caller runs them all. */
void bm_pool_run(int tasks, int threads, bm_pool_fn *fn, void *arg);
/* Start the threads for jobs on THREADS threads now rather than at the
 * first job (bm-predict: part of start-up, not of the first batch). */
void bm_pool_start(int threads);

/* A job that runs beside the caller (a producer feeding its workers through
 * a queue of its own): bm_pool_spawn starts FN(ARG, task, worker) for every
 * task in [0, TASKS) on up to TASKS helper threads (workers 1..; the caller
 * takes no task) and returns at once, with the number of helpers that took
 * the job. It returns 0 when no helper could start: then nothing runs and
 * the caller does the work itself. A helper runs its tasks one after the
 * other, so a task must not wait for another task. bm_pool_join waits until
 * every task of the job has returned (at once when none was spawned). No
 * other job may run between the two: one job at a time. */
int bm_pool_spawn(int tasks, bm_pool_fn *fn, void *arg);
void bm_pool_join(void);

#endif
