/* bm_err.h: how the library reports an error.
 *
 * The library never ends the process. A function that fails returns its
 * failure value (-1, NULL or false, as its comment says) and leaves one line
 * here, "file:line: what is wrong" without the program's name; the program
 * (cmd/) prints it after its name and chooses the exit status. The message
 * is per thread, so a worker thread's error reaches the thread that joins it
 * only when that one copies it (bm_seterr("%s", msg)).
 */
#ifndef BM_ERR_H
#define BM_ERR_H

/* The last error of this thread: one line, without the program name; ""
 * when there has been none. */
const char *bm_errmsg(void);

/* Set this thread's error message (printf format; at most 511 bytes kept). */
void bm_seterr(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

#endif
