/* bm_arena.c: bump allocator (see bm_arena.h). */
#include "config.h"

#include "bm_arena.h"

#include <stdlib.h>
#include <string.h>

#define BLOCK_MIN (1u << 20)

struct bm_arena_block {
	bm_arena_block_t *next;
	size_t size; /* bytes of data after the header */
};

void *bm_arena_alloc_block(bm_arena_t *a, size_t n)
{
	size_t size = n > BLOCK_MIN ? n : BLOCK_MIN;
	if (size > SIZE_MAX - sizeof(bm_arena_block_t))
		return NULL;
	bm_arena_block_t *b = malloc(sizeof *b + size);
	if (!b)
		return NULL;
	b->size = size;
	uint8_t *data = (uint8_t *)(b + 1);
	if (size == n && a->head && (size_t)(a->end - a->cur) > 0) {
		/* A big object: keep filling the current block afterwards. */
		b->next = a->head->next;
		a->head->next = b;
	} else {
		b->next = a->head;
		a->head = b;
		a->cur = data + n;
		a->end = data + size;
	}
	a->bytes += size;
	return data;
}

void *bm_arena_dup(bm_arena_t *a, const void *p, size_t n)
{
	void *q = bm_arena_alloc(a, n);
	if (q && n)
		memcpy(q, p, n);
	return q;
}

void bm_arena_steal(bm_arena_t *dst, bm_arena_t *src)
{
	if (!src->head)
		return;
	if (!dst->head) {
		*dst = *src;
	} else {
		/* Put SRC's blocks behind DST's newest, which keeps filling. */
		bm_arena_block_t *last = src->head;
		while (last->next)
			last = last->next;
		last->next = dst->head->next;
		dst->head->next = src->head;
		dst->bytes += src->bytes;
	}
	src->head = NULL;
	src->cur = src->end = NULL;
	src->bytes = 0;
}

void bm_arena_free(bm_arena_t *a)
{
	bm_arena_block_t *b = a->head;
	while (b) {
		bm_arena_block_t *next = b->next;
		free(b);
		b = next;
	}
	a->head = NULL;
	a->cur = a->end = NULL;
	a->bytes = 0;
}
