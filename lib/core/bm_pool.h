/* bm_pool.h: a pool of sleeping worker threads that run the tasks of one
 * job at a time.
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

void bm_pool_run(int tasks, int threads, bm_pool_fn *fn, void *arg);
/* Start the threads for jobs on THREADS threads now rather than at the
 * first job (bm-predict: part of start-up, not of the first batch). */
void bm_pool_start(int threads);

#endif
