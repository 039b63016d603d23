/* fuzz.h: what every fuzz target in tests/fuzz/ shares.
 *
 * A target is one file, fuzz_NAME.c, that defines LLVMFuzzerTestOneInput
 * and feeds the bytes to one parser. It builds twice: fuzz_NAME with
 * libFuzzer (./configure CC=clang --enable-fuzz; scripts/fuzz runs it) and
 * replay_NAME with replay.c's main, which 'make check' runs over the
 * corpus in tests/fuzz/corpus/NAME/ on any build.
 *
 * A target must not leak, must free what the parser returns on success and
 * on error, and may abort() where two readings of the same bytes disagree
 * (a differential target): abort is how it reports a finding.
 */
#ifndef BM_FUZZ_H
#define BM_FUZZ_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "bm_io.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* A memory file holding DATA, at offset 0. Aborts when it cannot be made:
 * that is the harness, not a finding. */
static inline int fuzz_memfd(const uint8_t *data, size_t size)
{
	int fd = memfd_create("fuzz", MFD_CLOEXEC);
	if (fd < 0)
		abort();
	for (size_t off = 0; off < size;) {
		ssize_t n = write(fd, data + off, size - off);
		if (n <= 0)
			abort();
		off += (size_t)n;
	}
	if (lseek(fd, 0, SEEK_SET) != 0)
		abort();
	return fd;
}

/* An input reading DATA, named NAME in messages: a memory file, so every
 * reader path (peek, gzip detection, seek) works as on a real file. */
static inline bm_in_t *fuzz_in(const uint8_t *data, size_t size, const char *name)
{
	bm_in_t *in = bm_in_fdopen(fuzz_memfd(data, size), name);
	if (!in)
		abort();
	return in;
}

/* A path PATH (SIZE bytes) that opens DATA, for parsers that take a file
 * name as their program gives it: a memory file's /proc/self/fd entry.
 * Returns the descriptor, to close when done. */
static inline int fuzz_path(const uint8_t *data, size_t size, char *path, size_t psize)
{
	int fd = fuzz_memfd(data, size);
	snprintf(path, psize, "/proc/self/fd/%d", fd);
	return fd;
}

/* For a target fed an option byte and two files: DATA's first byte in
 * *OPT, the rest cut at its first 0xff byte (never in UTF-8 text) into two
 * memory files, opened by paths P1 and P2 (FUZZ_PATH bytes each); FD gets
 * their descriptors, to close when done. Returns -1 for empty DATA. */
#define FUZZ_PATH 64
static inline int fuzz_two_paths(const uint8_t *data, size_t size, uint8_t *opt, char *p1, char *p2, int fd[2])
{
	if (size == 0)
		return -1;
	*opt = data[0];
	data++, size--;
	const uint8_t *cut = memchr(data, 0xff, size);
	size_t n1 = cut ? (size_t)(cut - data) : size;
	fd[0] = fuzz_path(data, n1, p1, FUZZ_PATH);
	fd[1] = cut ? fuzz_path(cut + 1, size - n1 - 1, p2, FUZZ_PATH) : fuzz_path(data, 0, p2, FUZZ_PATH);
	return 0;
}

/* DATA as a NUL-terminated string (malloc'd), for parsers that take one. */
static inline char *fuzz_str(const uint8_t *data, size_t size)
{
	char *s = malloc(size + 1);
	if (!s)
		abort();
	memcpy(s, data, size);
	s[size] = '\0';
	return s;
}

#endif
