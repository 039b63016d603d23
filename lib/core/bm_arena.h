/* bm_arena.h: a bump allocator for many small objects freed all at once.
 *
 * Memory comes from blocks of at least 1 MiB; an object larger than a block
 * gets a block of its own. Nothing is freed before bm_arena_free(), so
 * pointers stay valid for the arena's whole life. Not thread-safe: use one
 * arena per thread. Allocation failure returns NULL.
 */
#ifndef BM_ARENA_H
#define BM_ARENA_H

#include <stddef.h>
#include <stdint.h>

typedef struct bm_arena_block bm_arena_block_t;

typedef struct bm_arena {
	uint8_t *cur, *end;      /* free bytes of the newest block */
	bm_arena_block_t *head;  /* all blocks, newest first */
	size_t bytes;            /* total bytes of all blocks */
} bm_arena_t;

#define BM_ARENA_INIT {NULL, NULL, NULL, 0}

/* Slow path of bm_arena_alloc: opens a new block. */
void *bm_arena_alloc_block(bm_arena_t *a, size_t n);

/* N bytes, unaligned (the arena holds byte strings); NULL when out of memory. */
static inline void *bm_arena_alloc(bm_arena_t *a, size_t n)
{
	if ((size_t)(a->end - a->cur) >= n) {
		void *p = a->cur;
		a->cur += n;
		return p;
	}
	return bm_arena_alloc_block(a, n);
}

/* Copy N bytes of P into the arena. */
void *bm_arena_dup(bm_arena_t *a, const void *p, size_t n);

/* Move every block of SRC into DST; SRC is left empty, its pointers stay valid. */
void bm_arena_steal(bm_arena_t *dst, bm_arena_t *src);

/* Free all blocks; A is left empty and usable. */
void bm_arena_free(bm_arena_t *a);

#endif
