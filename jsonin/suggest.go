package jsonin

// closest returns the candidate a mistyped word was most likely meant to be, or "" when
// none is close enough to be a useful suggestion. Close means a small edit distance
// (transpositions count once) relative to the length, or one word starting or ending with
// the other ("proxyserver" for "proxy").
func closest(word string, candidates []string) string {
	if len(word) > 256 {
		return ""
	}
	w := []rune(fold(word))
	best, bestDist := "", -1
	for _, c := range candidates {
		cr := []rune(fold(c))
		d := distance(w, cr)
		if d > 1+len(cr)/4 && !affix(w, cr) {
			continue
		}
		if bestDist < 0 || d < bestDist {
			best, bestDist = c, d
		}
	}
	return best
}

// affix reports whether the shorter of a and b, at least 3 characters long, begins or ends
// the longer.
func affix(a, b []rune) bool {
	if len(a) > len(b) {
		a, b = b, a
	}
	if len(a) < 3 {
		return false
	}
	return string(b[:len(a)]) == string(a) || string(b[len(b)-len(a):]) == string(a)
}

// distance is the optimal string alignment distance: insertions, deletions, substitutions
// and transpositions of adjacent characters each cost 1.
func distance(a, b []rune) int {
	if len(a) > 64 || len(b) > 64 {
		// Keys that long are not typos of ours; avoid quadratic work on hostile input.
		if string(a) == string(b) {
			return 0
		}
		return 64
	}
	prev2 := make([]int, len(b)+1)
	prev := make([]int, len(b)+1)
	cur := make([]int, len(b)+1)
	for j := range prev {
		prev[j] = j
	}
	for i := 1; i <= len(a); i++ {
		cur[0] = i
		for j := 1; j <= len(b); j++ {
			cost := 1
			if a[i-1] == b[j-1] {
				cost = 0
			}
			cur[j] = min(prev[j]+1, cur[j-1]+1, prev[j-1]+cost)
			if i > 1 && j > 1 && a[i-1] == b[j-2] && a[i-2] == b[j-1] {
				cur[j] = min(cur[j], prev2[j-2]+1)
			}
		}
		prev2, prev, cur = prev, cur, prev2
	}
	return prev[len(b)]
}
