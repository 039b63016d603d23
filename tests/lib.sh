# tests/lib.sh: sourced by the shell tests (tests/*.test).
#
# Gives: $top_builddir/$top_srcdir, $data (tests/data), $tmp (a fresh folder,
# removed at exit), and small helpers. A test exits 0 to pass, 1 to fail,
# 77 to be skipped (automake's convention).
set -u
: "${top_builddir:=.}" "${top_srcdir:=.}"
data=$top_srcdir/tests/data
tmp=$(mktemp -d "${TMPDIR:-/tmp}/bmtest.XXXXXX") || exit 99
trap 'rm -rf "$tmp"' EXIT
PATH=$top_builddir:$PATH
export LC_ALL=C

fail() { printf 'FAIL: %s\n' "$*" >&2; exit 1; }
skip() { printf 'SKIP: %s\n' "$*" >&2; exit 77; }

# expect_status CODE CMD...: run CMD, fail unless it exits with CODE. Its
# stdout is in $tmp/out, its stderr in $tmp/err. (Helpers' variables start
# with _lib_, since sh has no locals: they must not clobber a test's own.)
expect_status() {
	_lib_want=$1; shift
	"$@" >"$tmp/out" 2>"$tmp/err"
	_lib_got=$?
	[ "$_lib_got" -eq "$_lib_want" ] || { cat "$tmp/err" >&2; fail "exit $_lib_got, want $_lib_want: $*"; }
}

# expect_error CODE 'error line' CMD...: CMD exits CODE, its stderr's first
# line is exactly the given line, and it printed nothing on stdout.
expect_error() {
	_lib_code=$1 _lib_line=$2; shift 2
	expect_status "$_lib_code" "$@"
	_lib_first=$(head -n 1 "$tmp/err")
	[ "$_lib_first" = "$_lib_line" ] || fail "stderr: '$_lib_first', want '$_lib_line': $*"
	[ ! -s "$tmp/out" ] || fail "stdout not empty on error: $*"
}

# same FILE1 FILE2: byte-identical, else show the diff and fail.
same() { cmp -s "$1" "$2" || { diff "$1" "$2" | head -20 >&2; fail "$1 and $2 differ"; }; }

# python3 with numpy (Debian's python3-numpy), or skip.
need_numpy() {
	PY=${PYTHON3:-/usr/bin/python3}
	[ -x "$PY" ] && "$PY" -c 'import numpy' 2>/dev/null || skip "python3-numpy not installed"
}
