package spec

import (
	"strings"

	"github.com/sessiongen/sessiongen/internal/gotype"
)

// slips are the names of other languages' types that a schema may write
// for a predeclared Go type, by prefix: integer64 → int64, boolean → bool.
// A prefix that is the whole name, such as float, maps to the full name.
var slips = []struct{ from, to string }{
	{"integer", "int"}, {"boolean", "bool"}, {"double", "float64"},
	{"long", "int64"}, {"float", "float"},
}

// suggestBasic returns the predeclared type that name, an unknown type
// name without a package, most likely stands for, or "": the name with a
// known slip fixed (integer64 → int64, float → float64), in lower case
// (Int64 → int64), or else the one closest by edit distance when it is
// close (int65 → int64).
func suggestBasic(name string) string {
	basic := func(n string) bool {
		t, ok := gotype.Lookup("", n)
		return ok && t.Path == ""
	}
	lower := strings.ToLower(name)
	if basic(lower) {
		return lower
	}
	for _, s := range slips {
		rest, ok := strings.CutPrefix(lower, s.from)
		if !ok {
			continue
		}
		for _, c := range []string{s.to + rest, s.to + rest + "64"} {
			if basic(c) {
				return c
			}
		}
	}
	var names []string
	for _, t := range gotype.All() {
		if t.Path == "" {
			names = append(names, t.Name)
		}
	}
	return Suggest(lower, names)
}

// Suggest returns the candidate closest to name by edit distance, when it
// is close enough to be a likely slip (at most one edit in three
// characters) and no other candidate is as close, or "".
func Suggest(name string, candidates []string) string {
	best, bestDist, tie := "", len(name)+1, false
	for _, c := range candidates {
		switch d := editDistance(name, c); {
		case d < bestDist:
			best, bestDist, tie = c, d, false
		case d == bestDist && c != best:
			tie = true
		}
	}
	if tie || bestDist*3 > len(name) {
		return ""
	}
	return best
}

// editDistance returns the Levenshtein distance between a and b, in bytes.
func editDistance(a, b string) int {
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
		}
		prev, cur = cur, prev
	}
	return prev[len(b)]
}
