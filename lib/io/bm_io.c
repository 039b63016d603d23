/* bm_io.c: gzip-transparent buffered input and atomic output (see bm_io.h). */
#include "config.h"

#include "bm_io.h"

#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <zlib.h>

#include "bm_tmp.h"

/* ---- input ---- */

#define IN_BUFSIZE (256u << 10) /* holds a 64 KiB peek at any position */
#define PEEK_MAX (64u << 10)

struct bm_in {
	gzFile gz;      /* zlib reads gzip and, transparently, plain data */
	char *name;
	char *buf;
	size_t pos, len; /* unread bytes are buf[pos..len) */
	uint64_t offset; /* bytes consumed by the caller */
	int eof;
};

bm_in_t *bm_in_fdopen(int fd, const char *name)
{
	bm_in_t *in = calloc(1, sizeof *in);
	if (!in || !(in->name = strdup(name)) || !(in->buf = malloc(IN_BUFSIZE))) {
		bm_seterr("%s: out of memory", name);
		goto fail;
	}
	in->gz = gzdopen(fd, "rb");
	if (!in->gz) {
		bm_seterr("%s: cannot read: %s", name, strerror(errno ? errno : ENOMEM));
		goto fail;
	}
	gzbuffer(in->gz, 128u << 10);
	return in;
fail:
	close(fd);
	if (in) {
		free(in->name);
		free(in->buf);
		free(in);
	}
	return NULL;
}

bm_in_t *bm_in_open(const char *path)
{
	if (!path || strcmp(path, "-") == 0) {
		int fd = dup(STDIN_FILENO);
		if (fd < 0) {
			bm_seterr("-: cannot read standard input: %s", strerror(errno));
			return NULL;
		}
		return bm_in_fdopen(fd, "-");
	}
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0) {
		bm_seterr("%s: %s", path, strerror(errno));
		return NULL;
	}
	struct stat st;
	if (fstat(fd, &st) == 0 && S_ISDIR(st.st_mode)) {
		bm_seterr("%s: is a directory", path);
		close(fd);
		return NULL;
	}
	return bm_in_fdopen(fd, path);
}

void bm_in_close(bm_in_t *in)
{
	if (!in)
		return;
	gzclose_r(in->gz);
	free(in->name);
	free(in->buf);
	free(in);
}

const char *bm_in_name(const bm_in_t *in)
{
	return in->name;
}

bool bm_in_is_gzip(const bm_in_t *in)
{
	return !gzdirect(in->gz);
}

uint64_t bm_in_offset(const bm_in_t *in)
{
	return in->offset;
}

/* zlib's message for the last error, without the "<fd:3>: " it puts first. */
static const char *gz_message(gzFile gz)
{
	int zerr;
	const char *msg = gzerror(gz, &zerr);
	if (zerr == Z_ERRNO)
		return strerror(errno);
	if (strncmp(msg, "<fd:", 4) == 0 && strstr(msg, ": "))
		msg = strstr(msg, ": ") + 2;
	return msg;
}

/* gzread with the error turned into a message; returns bytes or -1. */
static ssize_t raw_read(bm_in_t *in, void *buf, size_t n)
{
	size_t got = 0;
	while (got < n && !in->eof) {
		unsigned chunk = n - got > (1u << 30) ? (1u << 30) : (unsigned)(n - got);
		int r = gzread(in->gz, (char *)buf + got, chunk);
		if (r < 0) {
			bm_seterr("%s: read error: %s", in->name, gz_message(in->gz));
			return -1;
		}
		if (r == 0) {
			/* gzread returns 0 both at the end and for a gzip stream cut short. */
			int zerr;
			gzerror(in->gz, &zerr);
			if (zerr != Z_OK && zerr != Z_BUF_ERROR) {
				bm_seterr("%s: read error: %s", in->name, gz_message(in->gz));
				return -1;
			}
			if (zerr == Z_BUF_ERROR) {
				bm_seterr("%s: truncated gzip data", in->name);
				return -1;
			}
			in->eof = 1;
		}
		got += (size_t)r;
	}
	return (ssize_t)got;
}

/* Make at least N bytes available in the buffer if the input has them. */
static int fill(bm_in_t *in, size_t n)
{
	if (in->len - in->pos >= n || in->eof)
		return 0;
	if (in->pos > 0) {
		memmove(in->buf, in->buf + in->pos, in->len - in->pos);
		in->len -= in->pos;
		in->pos = 0;
	}
	while (in->len < n && !in->eof) {
		ssize_t r = raw_read(in, in->buf + in->len, IN_BUFSIZE - in->len);
		if (r < 0)
			return -1;
		in->len += (size_t)r;
	}
	return 0;
}

ssize_t bm_in_read(bm_in_t *in, void *buf, size_t n)
{
	size_t have = in->len - in->pos;
	if (have >= n) {
		memcpy(buf, in->buf + in->pos, n);
		in->pos += n;
		in->offset += n;
		return (ssize_t)n;
	}
	memcpy(buf, in->buf + in->pos, have);
	in->pos = in->len = 0;
	ssize_t r = raw_read(in, (char *)buf + have, n - have);
	if (r < 0)
		return -1;
	in->offset += have + (size_t)r;
	return (ssize_t)(have + (size_t)r);
}

int bm_in_read_all(bm_in_t *in, size_t max, char **buf, size_t *len)
{
	char *b = NULL;
	size_t n = 0, cap = 0;
	*buf = NULL;
	*len = 0;
	for (;;) {
		if (cap - n < 65536 + 1) {
			cap = cap ? cap * 2 : 65536 + 1;
			char *nb = realloc(b, cap);
			if (!nb) {
				free(b);
				bm_seterr("%s: out of memory", bm_in_name(in));
				return -1;
			}
			b = nb;
		}
		ssize_t got = bm_in_read(in, b + n, cap - 1 - n);
		if (got < 0) {
			free(b);
			return -1;
		}
		if (got == 0)
			break;
		n += (size_t)got;
		if (n > max) {
			free(b);
			return 1;
		}
	}
	b[n] = '\0';
	*buf = b;
	*len = n;
	return 0;
}

ssize_t bm_in_peek(bm_in_t *in, const void **p, size_t n)
{
	if (n > PEEK_MAX)
		n = PEEK_MAX;
	if (fill(in, n) < 0)
		return -1;
	*p = in->buf + in->pos;
	size_t have = in->len - in->pos;
	return (ssize_t)(have < n ? have : n);
}

ssize_t bm_in_skip(bm_in_t *in, uint64_t n)
{
	uint64_t done = 0;
	while (done < n) {
		if (in->pos == in->len) {
			in->pos = in->len = 0;
			if (fill(in, 1) < 0)
				return -1;
			if (in->len == 0)
				break;
		}
		size_t step = in->len - in->pos;
		if (step > n - done)
			step = (size_t)(n - done);
		in->pos += step;
		done += step;
	}
	in->offset += done;
	return (ssize_t)done;
}

ssize_t bm_in_getline(bm_in_t *in, char **line, size_t *cap, bool *eof, size_t max)
{
	size_t n = 0;
	*eof = false;
	for (;;) {
		if (in->pos == in->len) {
			in->pos = in->len = 0;
			if (fill(in, 1) < 0)
				return -1;
			if (in->len == 0) {
				if (n == 0)
					*eof = true;
				break;
			}
		}
		char *start = in->buf + in->pos;
		size_t avail = in->len - in->pos;
		char *nl = memchr(start, '\n', avail);
		size_t take = nl ? (size_t)(nl - start) : avail;
		if (take > max - n)
			return -2;
		if (n + take + 1 > *cap) {
			size_t c = *cap ? *cap : 128;
			while (c < n + take + 1)
				c *= 2;
			if (c - 1 > max) /* the buffer never passes the limit */
				c = max + 1;
			char *p = realloc(*line, c);
			if (!p) {
				bm_seterr("%s: line too long: out of memory", in->name);
				return -1;
			}
			*line = p;
			*cap = c;
		}
		memcpy(*line + n, start, take);
		n += take;
		in->pos += take + (nl ? 1 : 0);
		in->offset += take + (nl ? 1 : 0);
		if (nl)
			break;
	}
	if (*cap == 0) {
		if (!(*line = malloc(1))) {
			bm_seterr("%s: out of memory", in->name);
			return -1;
		}
		*cap = 1;
	}
	(*line)[n] = '\0';
	return (ssize_t)n;
}

/* ---- output ---- */

#define OUT_BUFSIZE (256u << 10)

struct bm_out {
	int fd;
	gzFile gz;
	int gzfd;    /* the descriptor gz writes to */
	char *name;  /* as given; "-" for stdout */
	char *tmp;   /* temporary path while writing, NULL for stdout and devices */
	char *buf;
	size_t len;
	int failed;
};

static int ends_with(const char *s, const char *suffix)
{
	size_t n = strlen(s), m = strlen(suffix);
	return n >= m && strcmp(s + n - m, suffix) == 0;
}

static void out_free(bm_out_t *out)
{
	free(out->name);
	free(out->tmp);
	free(out->buf);
	free(out);
}

bm_out_t *bm_out_open(const char *path, int flags)
{
	bm_out_t *out = calloc(1, sizeof *out);
	int to_stdout = !path || strcmp(path, "-") == 0;
	if (!out || !(out->name = strdup(to_stdout ? "-" : path)) || !(out->buf = malloc(OUT_BUFSIZE))) {
		bm_seterr("out of memory");
		goto fail;
	}
	if (to_stdout) {
		if ((flags & BM_OUT_BINARY) && isatty(STDOUT_FILENO)) {
			bm_seterr("refusing to write binary data to a terminal; use -o FILE or a pipe");
			goto fail;
		}
		out->fd = STDOUT_FILENO;
	} else {
		struct stat st;
		bool exists = stat(path, &st) == 0;
		if (exists && S_ISDIR(st.st_mode)) {
			bm_seterr("%s: is a directory", path); /* as bm_in_open words it */
			goto fail;
		}
		if (exists && !S_ISREG(st.st_mode)) {
			/* A device or a fifo (-o /dev/null): write it in place. */
			out->fd = open(path, O_WRONLY | O_CLOEXEC);
			if (out->fd < 0) {
				bm_seterr("%s: %s", path, strerror(errno));
				goto fail;
			}
		} else {
			out->fd = bm_tmp_beside(path, &out->tmp);
			if (out->fd < 0)
				goto fail;
		}
		if (ends_with(path, ".gz"))
			flags |= BM_OUT_GZIP;
	}
	if (flags & BM_OUT_GZIP) {
		int fd = out->gzfd = to_stdout ? dup(STDOUT_FILENO) : out->fd;
		out->gz = fd < 0 ? NULL : gzdopen(fd, "wb6");
		if (!out->gz) {
			bm_seterr("%s: cannot start gzip output", out->name);
			bm_out_abort(out);
			return NULL;
		}
	}
	return out;
fail:
	if (out)
		out_free(out);
	return NULL;
}

const char *bm_out_name(const bm_out_t *out)
{
	return out->name;
}

static int write_all(bm_out_t *out, const char *p, size_t n)
{
	if (out->failed)
		return -1;
	if (out->gz) {
		while (n > 0) {
			unsigned chunk = n > (1u << 30) ? (1u << 30) : (unsigned)n;
			if (gzwrite(out->gz, p, chunk) != (int)chunk) {
				bm_seterr("%s: write error: %s", out->name, gz_message(out->gz));
				out->failed = 1;
				return -1;
			}
			p += chunk;
			n -= chunk;
		}
		return 0;
	}
	while (n > 0) {
		ssize_t w = write(out->fd, p, n);
		if (w < 0) {
			if (errno == EINTR)
				continue;
			bm_seterr("%s: write error: %s", out->name, strerror(errno));
			out->failed = 1;
			return -1;
		}
		p += w;
		n -= (size_t)w;
	}
	return 0;
}

static int flush(bm_out_t *out)
{
	int r = write_all(out, out->buf, out->len);
	out->len = 0;
	return r;
}

int bm_out_write(bm_out_t *out, const void *buf, size_t n)
{
	if (n == 0) /* buf may be NULL (a frame with no elements): memcpy's is not */
		return 0;
	if (out->len + n <= OUT_BUFSIZE) {
		memcpy(out->buf + out->len, buf, n);
		out->len += n;
		return 0;
	}
	if (flush(out) < 0)
		return -1;
	/* zlib keeps a pointer to the input of a gzwrite that failed and reads
	 * it again at gzclose_w: it only ever gets our buffer, which outlives
	 * the gzFile, never the caller's. */
	if (n >= OUT_BUFSIZE / 2 && !out->gz)
		return write_all(out, buf, n);
	const char *p = buf;
	while (n > OUT_BUFSIZE) {
		memcpy(out->buf, p, OUT_BUFSIZE);
		out->len = OUT_BUFSIZE;
		if (flush(out) < 0)
			return -1;
		p += OUT_BUFSIZE;
		n -= OUT_BUFSIZE;
	}
	memcpy(out->buf, p, n);
	out->len = n;
	return 0;
}

int bm_out_printf(bm_out_t *out, const char *fmt, ...)
{
	va_list ap;
	for (int attempt = 0; attempt < 2; attempt++) {
		size_t room = OUT_BUFSIZE - out->len;
		va_start(ap, fmt);
		int n = vsnprintf(out->buf + out->len, room, fmt, ap);
		va_end(ap);
		if (n < 0) {
			bm_seterr("%s: format error", out->name);
			return -1;
		}
		if ((size_t)n < room) {
			out->len += (size_t)n;
			return 0;
		}
		if (flush(out) < 0)
			return -1;
		if ((size_t)n >= OUT_BUFSIZE) {
			/* Longer than the whole buffer: format into a heap copy. */
			char *s = malloc((size_t)n + 1);
			if (!s) {
				bm_seterr("%s: out of memory", out->name);
				return -1;
			}
			va_start(ap, fmt);
			vsnprintf(s, (size_t)n + 1, fmt, ap);
			va_end(ap);
			int r = bm_out_write(out, s, (size_t)n);
			free(s);
			return r;
		}
	}
	return 0;
}

/* Close OUT's gzFile writing nothing more: what zlib still holds goes to
 * /dev/null. */
static void gz_discard(bm_out_t *out)
{
	int null = open("/dev/null", O_WRONLY | O_CLOEXEC);
	if (null >= 0) {
		dup2(null, out->gzfd);
		close(null);
	}
	gzclose_w(out->gz);
	out->gz = NULL;
}

int bm_out_commit(bm_out_t *out)
{
	int r = flush(out);
	if (out->gz && r != 0) {
		/* After a failed write, finishing the gzip stream would only add to
		 * what went wrong. */
		gz_discard(out);
	} else if (out->gz) {
		/* Closes the file, or our dup of stdout. */
		int z = gzclose_w(out->gz);
		out->gz = NULL;
		if (r == 0 && z != Z_OK) {
			bm_seterr("%s: write error: %s", out->name, z == Z_ERRNO ? strerror(errno) : "gzip error");
			r = -1;
		}
	} else if (out->fd != STDOUT_FILENO || out->tmp) {
		if (close(out->fd) != 0 && r == 0) {
			bm_seterr("%s: write error: %s", out->name, strerror(errno));
			r = -1;
		}
		out->fd = -1;
	}
	if (out->tmp) {
		if (r == 0 && rename(out->tmp, out->name) != 0) {
			bm_seterr("%s: cannot rename into place: %s", out->name, strerror(errno));
			r = -1;
		}
		if (r != 0)
			bm_tmp_remove(out->tmp);
		else
			bm_tmp_forget(out->tmp);
	}
	out_free(out);
	return r;
}

void bm_out_abort(bm_out_t *out)
{
	if (!out)
		return;
	if (out->gz)
		gz_discard(out); /* closes a file's descriptor too */
	else if (out->fd > STDOUT_FILENO || (out->tmp && out->fd >= 0))
		close(out->fd);
	if (out->tmp)
		bm_tmp_remove(out->tmp);
	out_free(out);
}
