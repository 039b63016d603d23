/* bm_tmp.h: temporary files, and the removal of those still pending when
 * a program ends early.
 *
 * Two kinds: a file beside a target, written and then renamed over it (the
 * atomic -o of every program, bm_io), which stays registered as pending
 * until it is renamed or removed; and an anonymous scratch file under
 * $TMPDIR (spools), removed from its folder as soon as it is made, so it
 * is gone when closed. bm_tmp_cleanup removes every pending file: bm_die,
 * bm_usage_error and the SIGINT/SIGTERM/SIGHUP/SIGPIPE handler of bm_cli call it,
 * so a killed or failed run leaves no half-written file.
 *
 * Functions that can fail return -1 (or NULL) with bm_errmsg() set and
 * errno kept from the call that failed.
 */
#ifndef BM_TMP_H
#define BM_TMP_H

#include <stdio.h>

/* At most this many files are pending at once. */
#define BM_TMP_MAX_PENDING 16

/* Create "DIR/.BASE.XXXXXX" beside PATH (a new file, close-on-exec, with
 * the mode a plain open would give: 0666 less the umask) and register it
 * as pending. Returns its descriptor and sets *TMP to its path (malloc'd:
 * the caller frees it after bm_tmp_forget). On error returns -1, *TMP
 * NULL, bm_errmsg() "PATH: cannot create: why" or "PATH: too many open
 * outputs". */
int bm_tmp_beside(const char *path, char **tmp);

/* TMP (from bm_tmp_beside) was renamed into place or removed: it is no
 * longer pending. */
void bm_tmp_forget(const char *tmp);

/* Remove TMP and forget it. */
void bm_tmp_remove(const char *tmp);

/* An anonymous read-write scratch file under $TMPDIR (/tmp when unset or
 * empty), made as "PREFIX.XXXXXX" and removed from the folder at once:
 * nothing is left behind whatever happens. Returns its descriptor, or -1
 * with bm_errmsg() "cannot create a temporary file in DIR: why". */
int bm_tmp_anon(const char *prefix);

/* bm_tmp_anon as a stdio stream opened "w+". NULL on error (bm_tmp_anon's
 * message, or "cannot open a temporary file: why"). */
FILE *bm_tmp_anon_file(const char *prefix);

/* Remove every pending file. Only unlink(2) and atomic loads: safe in a
 * signal handler and from any thread. */
void bm_tmp_cleanup(void);

#endif
