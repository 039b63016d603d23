/* bm_hashmap.c: the hash table (see bm_hashmap.h). */
#include "config.h"

#include "bm_hashmap.h"

#include <stdlib.h>
#include <sys/mman.h>

#define INIT_SLOTS 1024
#define MIN_SLOTS 16

/* Grow when more than 5/8 of the slots are used. */
static size_t grow_limit(size_t nslots)
{
	return nslots / 8 * 5;
}

/* Arrays for at least this many slots are mapped directly (on transparent
 * huge pages where the kernel has them: fewer page faults and TLB misses),
 * so that they can grow in place with mremap; smaller ones come from malloc.
 * Whether an array is mapped depends on its slot count only. */
#define BIG_SLOTS ((size_t)1 << 17)

/* An array of NSLOTS elements of SIZE bytes, zeroed. */
static void *arr_alloc(size_t nslots, size_t size)
{
	size_t n = nslots * size;
	if (nslots < BIG_SLOTS)
		return calloc(nslots, size);
	void *p = mmap(NULL, n, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (p == MAP_FAILED)
		return NULL;
#ifdef MADV_HUGEPAGE
	madvise(p, n, MADV_HUGEPAGE);
#endif
	return p;
}

static void arr_free(void *p, size_t nslots, size_t size)
{
	if (!p)
		return;
	if (nslots < BIG_SLOTS)
		free(p);
	else
		munmap(p, nslots * size);
}

/* Array P of N elements made N2 (> N) elements, the new part zeroed; NULL
 * on failure (P is then unchanged). */
static void *arr_grow(void *p, size_t n, size_t n2, size_t size)
{
#ifdef MREMAP_MAYMOVE
	if (n >= BIG_SLOTS) {
		void *q = mremap(p, n * size, n2 * size, MREMAP_MAYMOVE);
		return q == MAP_FAILED ? NULL : q;
	}
#endif
	void *q = arr_alloc(n2, size);
	if (q) {
		memcpy(q, p, n * size);
		arr_free(p, n, size);
	}
	return q;
}

/* Slots and, when FIRST is not NULL, positions for NSLOTS keys. */
static int alloc_slots(size_t nslots, bm_hm_slot_t **slots, uint64_t **first)
{
	if (nslots > SIZE_MAX / sizeof **slots)
		return -1;
	*slots = arr_alloc(nslots, sizeof **slots);
	if (first)
		*first = arr_alloc(nslots, sizeof **first);
	if (!*slots || (first && !*first)) {
		arr_free(*slots, nslots, sizeof **slots);
		if (first)
			arr_free(*first, nslots, sizeof **first);
		return -1;
	}
	return 0;
}

static void free_slots(bm_hashmap_t *m)
{
	if (m->slots)
		arr_free(m->slots, m->mask + 1, sizeof *m->slots);
	if (m->first)
		arr_free(m->first, m->first_cap, sizeof *m->first);
	m->slots = NULL;
	m->first = NULL;
}

int bm_hashmap_init(bm_hashmap_t *m)
{
	return bm_hashmap_init2(m, true);
}

int bm_hashmap_init2(bm_hashmap_t *m, bool positions)
{
	return bm_hashmap_init_for(m, positions, grow_limit(INIT_SLOTS) - 1);
}

int bm_hashmap_init_for(bm_hashmap_t *m, bool positions, size_t keys)
{
	memset(m, 0, sizeof *m);
	m->positions = positions;
	size_t nslots = MIN_SLOTS;
	while (grow_limit(nslots) <= keys) {
		if (nslots > SIZE_MAX / 2)
			return -1;
		nslots *= 2;
	}
	if (alloc_slots(nslots, &m->slots, positions ? &m->first : NULL) < 0)
		return -1;
	m->mask = nslots - 1;
	m->first_cap = nslots;
	m->grow_at = grow_limit(nslots);
	return 0;
}

static int grow(bm_hashmap_t *m);

int bm_hashmap_reserve(bm_hashmap_t *m, size_t n)
{
	size_t nslots = m->mask + 1;
	while (grow_limit(nslots) <= n) {
		if (nslots > SIZE_MAX / 2)
			return -1;
		nslots *= 2;
	}
	if (nslots == m->mask + 1)
		return 0;
	if (m->n > 0) {
		while (m->mask + 1 < nslots)
			if (grow(m) < 0)
				return -1;
		return 0;
	}
	bm_hm_slot_t *slots;
	uint64_t *first = NULL;
	if (alloc_slots(nslots, &slots, m->positions ? &first : NULL) < 0)
		return -1;
	free_slots(m);
	m->slots = slots;
	m->first = first;
	m->first_cap = nslots;
	m->mask = nslots - 1;
	m->grow_at = grow_limit(nslots);
	return 0;
}

void bm_hashmap_free(bm_hashmap_t *m)
{
	free_slots(m);
	bm_arena_free(&m->arena);
	memset(m, 0, sizeof *m);
}

/* Double the slots in place (no second array: memory peaks at the new
 * size, not at one and a half times it), then move every key to its place
 * under the new mask. The move is khash's: keys are taken in slot order;
 * one is put at the first slot from its home that is empty or holds a key
 * not yet moved, and a key found there is taken out and put in turn. A
 * moved key's probe path holds only moved keys, which never move again,
 * so it stays unbroken. */
static int grow(bm_hashmap_t *m)
{
	size_t n = m->mask + 1, n2 = n * 2;
	if (n2 == 0 || n2 > SIZE_MAX / sizeof *m->slots)
		return -1;
	uint64_t *done = calloc((n2 + 63) / 64, sizeof *done);
	if (!done)
		return -1;
	if (m->first && m->first_cap < n2) {
		uint64_t *first = arr_grow(m->first, m->first_cap, n2, sizeof *first);
		if (!first) {
			free(done);
			return -1;
		}
		m->first = first;
		m->first_cap = n2;
	}
	bm_hm_slot_t *slots = arr_grow(m->slots, n, n2, sizeof *slots);
	if (!slots) {
		free(done);
		return -1; /* FIRST may be bigger than needed: no harm */
	}
	m->slots = slots;
	uint64_t *first = m->first;
	size_t mask = n2 - 1;
	for (size_t j = 0; j < n; j++) {
		if (!slots[j].tag || (done[j / 64] >> (j % 64) & 1))
			continue;
		bm_hm_slot_t cur = slots[j];
		uint64_t curf = first ? first[j] : 0;
		slots[j].tag = 0;
		for (;;) {
			size_t i = cur.tag & mask;
			while (slots[i].tag && (done[i / 64] >> (i % 64) & 1))
				i = (i + 1) & mask;
			done[i / 64] |= (uint64_t)1 << (i % 64);
			bm_hm_slot_t t = slots[i];
			slots[i] = cur;
			uint64_t tf = 0;
			if (first) {
				tf = first[i];
				first[i] = curf;
			}
			if (!t.tag)
				break;
			cur = t; /* a key not yet moved: move it next */
			curf = tf;
		}
	}
	free(done);
	m->mask = mask;
	m->grow_at = grow_limit(n2);
	return 0;
}

/* Fill empty slot S with K (a long key's bytes already at P). */
static bm_hm_slot_t *fill(bm_hashmap_t *m, bm_hm_slot_t *s, const bm_hm_key_t *k,
			  const uint8_t *p, uint64_t first)
{
	s->tag = k->tag;
	s->count = 0;
	if (k->len <= 16) {
		bm_hash_wr64(s->key.b, k->k0);
		bm_hash_wr64(s->key.b + 8, k->k1);
	} else {
		s->key.l.p = p;
		s->key.l.len = k->len;
	}
	if (m->first)
		m->first[s - m->slots] = first;
	m->n++;
	if (m->n < m->grow_at)
		return s;
	/* Grow, then find the key again in the new slots. */
	bm_hm_slot_t copy = *s;
	if (grow(m) < 0) {
		if (m->n <= m->mask) {
			m->grow_at = m->mask + 1; /* fuller, still working */
			return s;
		}
		return NULL;
	}
	size_t i = copy.tag & m->mask;
	while (memcmp(&m->slots[i], &copy, sizeof copy) != 0)
		i = (i + 1) & m->mask;
	return &m->slots[i];
}

bm_hm_slot_t *bm_hashmap_insert_at(bm_hashmap_t *m, bm_hm_slot_t *s, const bm_hm_key_t *k,
				   uint64_t first)
{
	const uint8_t *p = NULL;
	if (k->len > 16 && !(p = bm_arena_dup(&m->arena, k->p, k->len)))
		return NULL;
	return fill(m, s, k, p, first);
}

bm_hm_slot_t *bm_hashmap_get(const bm_hashmap_t *m, const void *key, size_t n)
{
	bm_hm_key_t k;
	bm_hm_key(&k, key, n);
	size_t i = k.tag & m->mask;
	for (;;) {
		bm_hm_slot_t *s = &m->slots[i];
		if (s->tag == 0)
			return NULL;
		if (s->tag == k.tag) {
			if (n <= 16) {
				if (bm_hash_rd64(s->key.b) == k.k0 && bm_hash_rd64(s->key.b + 8) == k.k1)
					return s;
			} else if (s->key.l.len == n && memcmp(s->key.l.p, key, n) == 0) {
				return s;
			}
		}
		i = (i + 1) & m->mask;
	}
}

/* Add used slot S of SRC (FIRST its first position) into DST; its long key
 * must stay valid as long as DST. Returns 0, -1 out of memory, -2 overflow. */
static int add_slot(bm_hashmap_t *dst, const bm_hm_slot_t *s, uint64_t first)
{
	size_t len;
	const uint8_t *key = bm_hm_slot_key(s, &len);
	bm_hm_key_t k = {s->tag, 0, 0, key, len};
	if (len <= 16) {
		k.k0 = bm_hash_rd64(s->key.b);
		k.k1 = bm_hash_rd64(s->key.b + 8);
	}
	size_t i = k.tag & dst->mask;
	bm_hm_slot_t *d;
	for (;;) {
		d = &dst->slots[i];
		if (d->tag == 0) {
			d = fill(dst, d, &k, key, first);
			if (!d)
				return -1;
			break;
		}
		if (d->tag == k.tag &&
		    (len <= 16 ? bm_hash_rd64(d->key.b) == k.k0 && bm_hash_rd64(d->key.b + 8) == k.k1
			       : d->key.l.len == len && memcmp(d->key.l.p, key, len) == 0)) {
			if (dst->first && first < dst->first[i])
				dst->first[i] = first;
			break;
		}
		i = (i + 1) & dst->mask;
	}
	if (d->count > UINT64_MAX - s->count)
		return -2;
	d->count += s->count;
	return 0;
}

int bm_hashmap_merge(bm_hashmap_t *dst, bm_hashmap_t *src)
{
	bm_arena_steal(&dst->arena, &src->arena);
	int rc = 0;
	for (size_t j = 0; j <= src->mask && rc == 0; j++)
		if (src->slots[j].tag)
			rc = add_slot(dst, &src->slots[j], src->first ? src->first[j] : 0);
	free_slots(src);
	memset(src, 0, sizeof *src);
	return rc;
}

bm_hm_slot_t *bm_hashmap_find(const bm_hashmap_t *m, const bm_hm_slot_t *like)
{
	size_t len;
	const uint8_t *key = bm_hm_slot_key(like, &len);
	uint64_t k0 = 0, k1 = 0;
	if (len <= 16) {
		k0 = bm_hash_rd64(like->key.b);
		k1 = bm_hash_rd64(like->key.b + 8);
	}
	for (size_t i = like->tag & m->mask;; i = (i + 1) & m->mask) {
		bm_hm_slot_t *d = &m->slots[i];
		if (d->tag == 0)
			return NULL;
		if (d->tag == like->tag &&
		    (len <= 16 ? bm_hash_rd64(d->key.b) == k0 && bm_hash_rd64(d->key.b + 8) == k1
			       : d->key.l.len == len && memcmp(d->key.l.p, key, len) == 0))
			return d;
	}
}

int bm_hashmap_add(bm_hashmap_t *dst, const bm_hm_slot_t *s, uint64_t first)
{
	return add_slot(dst, s, first);
}
