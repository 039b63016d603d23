/* bm_tmp.c: temporary files and the pending ones removed on an early end
 * (see bm_tmp.h). */
#include "config.h"

#include "bm_tmp.h"

#include <errno.h>
#include <fcntl.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "bm_err.h"

/* Files not yet renamed or removed. A slot is taken and given back with
 * compare-and-swap, so threads may open outputs at once and a signal
 * handler may empty the table at any moment. */
static _Atomic(const char *) pending[BM_TMP_MAX_PENDING];

static int pending_add(const char *tmp)
{
	for (int i = 0; i < BM_TMP_MAX_PENDING; i++) {
		const char *none = NULL;
		if (atomic_compare_exchange_strong(&pending[i], &none, tmp))
			return 0;
	}
	return -1;
}

void bm_tmp_forget(const char *tmp)
{
	for (int i = 0; i < BM_TMP_MAX_PENDING; i++) {
		const char *want = tmp;
		if (atomic_compare_exchange_strong(&pending[i], &want, NULL))
			return;
	}
}

void bm_tmp_remove(const char *tmp)
{
	unlink(tmp);
	bm_tmp_forget(tmp);
}

void bm_tmp_cleanup(void)
{
	for (int i = 0; i < BM_TMP_MAX_PENDING; i++) {
		const char *t = atomic_exchange(&pending[i], NULL);
		if (t)
			unlink(t);
	}
}

/* bm_seterr keeping errno, for callers that word their own message. */
#define SETERR_KEEP_ERRNO(...)             \
	do {                               \
		int saved_errno_ = errno;  \
		bm_seterr(__VA_ARGS__);    \
		errno = saved_errno_;      \
	} while (0)

int bm_tmp_beside(const char *path, char **tmp)
{
	const char *slash = strrchr(path, '/');
	size_t dirlen = slash ? (size_t)(slash - path) + 1 : 0;
	const char *base = slash ? slash + 1 : path;
	size_t size = dirlen + strlen(base) + 16;
	char *t = *tmp = malloc(size);
	if (!t) {
		SETERR_KEEP_ERRNO("%s: cannot create: %s", path, strerror(ENOMEM));
		return -1;
	}
	snprintf(t, size, "%.*s.%s.XXXXXX", (int)dirlen, path, base);
	if (pending_add(t) < 0) {
		errno = EMFILE;
		SETERR_KEEP_ERRNO("%s: too many open outputs", path);
		goto fail;
	}
	/* Registered before it exists, so no moment leaves it behind. */
	int fd = mkostemp(t, O_CLOEXEC);
	if (fd < 0) {
		SETERR_KEEP_ERRNO("%s: cannot create: %s", path, strerror(errno));
		bm_tmp_forget(t);
		goto fail;
	}
	/* mkostemp makes 0600; give the file the mode a plain open would. */
	mode_t mask = umask(0);
	umask(mask);
	if (fchmod(fd, 0666 & ~mask) != 0) {
		SETERR_KEEP_ERRNO("%s: cannot create: %s", path, strerror(errno));
		close(fd);
		bm_tmp_remove(t);
		goto fail;
	}
	return fd;
fail:
	free(t);
	*tmp = NULL;
	return -1;
}

int bm_tmp_anon(const char *prefix)
{
	const char *dir = getenv("TMPDIR");
	if (!dir || !*dir)
		dir = "/tmp";
	size_t n = strlen(dir) + strlen(prefix) + 16;
	char *path = malloc(n);
	if (!path) {
		SETERR_KEEP_ERRNO("cannot create a temporary file in %s: %s", dir, strerror(ENOMEM));
		return -1;
	}
	snprintf(path, n, "%s/%s.XXXXXX", dir, prefix);
	/* Pending for the moment it has a name (a full table only loses that). */
	int listed = pending_add(path) == 0;
	int fd = mkostemp(path, O_CLOEXEC);
	if (fd < 0)
		SETERR_KEEP_ERRNO("cannot create a temporary file in %s: %s", dir, strerror(errno));
	else
		unlink(path);
	if (listed)
		bm_tmp_forget(path);
	free(path);
	return fd;
}

FILE *bm_tmp_anon_file(const char *prefix)
{
	int fd = bm_tmp_anon(prefix);
	if (fd < 0)
		return NULL;
	FILE *f = fdopen(fd, "w+");
	if (!f) {
		SETERR_KEEP_ERRNO("cannot open a temporary file: %s", strerror(errno));
		close(fd);
	}
	return f;
}
