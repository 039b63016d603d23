# wc_gen.awk: a deterministic text for bm-wordcount's tests (any awk).
# usage: awk -v seed=N -v words=N -f wc_gen.awk
# Zipf-like word choice, mixed case, punctuation, UTF-8 letters, words of
# 1 to 200 bytes (so some cross 16- and 64-byte boundaries), and every kind
# of ASCII whitespace, single and in runs, between them. No NUL bytes.
function rnd() { x = (x * 16807) % 2147483647; return x / 2147483647 }
BEGIN {
	x = seed > 0 ? seed : 1
	split("the of and to a in is was that he for it with as his on be at by I", common, " ")
	split("b c d f g h k l m n p r s t v w z qu st th", cons, " ")
	split("a e i o u y ai ea ou", vow, " ")
	nws = split(" ,\t,\n,\r\n,  ,\v,\f, \t , \n\n,\r", ws, ",")
	for (i = 1; i <= words; i++) {
		r = rnd()
		if (r < 0.4) {
			w = common[1 + int(rnd() * rnd() * 20)]
		} else {
			# a made-up word from a small Zipf-ish set of shapes
			k = int(1 / (rnd() + 0.002))
			y = x; x = k * 7919 + 13
			w = ""
			n = 1 + (k % 5)
			for (j = 0; j < n; j++)
				w = w cons[1 + int(rnd() * 20)] vow[1 + int(rnd() * 9)]
			x = y
		}
		r = rnd()
		if (r < 0.08) w = toupper(substr(w, 1, 1)) substr(w, 2)
		else if (r < 0.10) w = toupper(w)
		else if (r < 0.14) w = w ","
		else if (r < 0.16) w = w "."
		else if (r < 0.17) w = "\"" w "\""
		else if (r < 0.175) w = w "\303\251"
		else if (r < 0.178) { while (length(w) < 17 + int(rnd() * 180)) w = w "-" w }
		printf "%s%s", w, ws[1 + int(rnd() * rnd() * nws)]
	}
	printf "end"
}
