package main

import (
	"fmt"
	"strings"
)

// Limits of the diff that check prints.
const (
	diffContext  = 3       // unchanged lines around each change
	diffMaxLines = 60      // lines of hunks shown before the rest is cut
	diffMaxCells = 4000000 // largest changed region compared line by line
)

// op is one line of a diff: ' ' kept, '-' only in the old text, '+' only
// in the new.
type op struct {
	kind byte
	line string
	a, b int // line numbers, from 0, in the old and new text
}

// diff returns a unified diff from old to new, at most diffMaxLines long.
func diff(oldName, newName string, old, new []byte) string {
	ops := diffOps(splitLines(string(old)), splitLines(string(new)))
	var b strings.Builder
	fmt.Fprintf(&b, "--- %s\n+++ %s\n", oldName, newName)
	shown := 0
	for i := 0; i < len(ops); {
		if ops[i].kind == ' ' {
			i++
			continue
		}
		// ops[i] is a hunk's first change; it takes every change that
		// follows within twice the context of the last one.
		last := i
		for j := i + 1; j < len(ops) && j <= last+2*diffContext; j++ {
			if ops[j].kind != ' ' {
				last = j
			}
		}
		start := max(i-diffContext, 0)
		end := min(last+1+diffContext, len(ops))
		hunk := ops[start:end]
		na, nb := 0, 0
		for _, o := range hunk {
			if o.kind != '+' {
				na++
			}
			if o.kind != '-' {
				nb++
			}
		}
		fmt.Fprintf(&b, "@@ -%d,%d +%d,%d @@\n", hunk[0].a+1, na, hunk[0].b+1, nb)
		for k, o := range hunk {
			if shown == diffMaxLines {
				fmt.Fprintf(&b, "... (%d more lines of difference)\n", len(hunk)-k+countChanged(ops[end:]))
				return b.String()
			}
			fmt.Fprintf(&b, "%c%s\n", o.kind, o.line)
			shown++
		}
		i = end
	}
	return b.String()
}

// countChanged returns the number of changed lines in ops.
func countChanged(ops []op) int {
	n := 0
	for _, o := range ops {
		if o.kind != ' ' {
			n++
		}
	}
	return n
}

// splitLines returns the lines of s, without their newlines.
func splitLines(s string) []string {
	if s == "" {
		return nil
	}
	return strings.Split(strings.TrimSuffix(s, "\n"), "\n")
}

// diffOps returns the edit from a to b: the lines they share at both ends
// are kept, and the region between is compared by longest common
// subsequence, or, when too large, replaced whole.
func diffOps(a, b []string) []op {
	pre := 0
	for pre < len(a) && pre < len(b) && a[pre] == b[pre] {
		pre++
	}
	suf := 0
	for suf < len(a)-pre && suf < len(b)-pre && a[len(a)-1-suf] == b[len(b)-1-suf] {
		suf++
	}
	var ops []op
	for i := range pre {
		ops = append(ops, op{' ', a[i], i, i})
	}
	ma, mb := a[pre:len(a)-suf], b[pre:len(b)-suf]
	if len(ma)*len(mb) <= diffMaxCells {
		ops = append(ops, lcsOps(ma, mb, pre)...)
	} else {
		for i, l := range ma {
			ops = append(ops, op{'-', l, pre + i, pre})
		}
		for j, l := range mb {
			ops = append(ops, op{'+', l, pre + len(ma), pre + j})
		}
	}
	for k := range suf {
		i, j := len(a)-suf+k, len(b)-suf+k
		ops = append(ops, op{' ', a[i], i, j})
	}
	return ops
}

// lcsOps returns the edit from a to b by longest common subsequence; off
// is the line number of their first lines.
func lcsOps(a, b []string, off int) []op {
	// n[i][j] is the length of the LCS of a[i:] and b[j:].
	n := make([][]int, len(a)+1)
	for i := range n {
		n[i] = make([]int, len(b)+1)
	}
	for i := len(a) - 1; i >= 0; i-- {
		for j := len(b) - 1; j >= 0; j-- {
			if a[i] == b[j] {
				n[i][j] = n[i+1][j+1] + 1
			} else {
				n[i][j] = max(n[i+1][j], n[i][j+1])
			}
		}
	}
	var ops []op
	i, j := 0, 0
	for i < len(a) || j < len(b) {
		switch {
		case i < len(a) && j < len(b) && a[i] == b[j]:
			ops = append(ops, op{' ', a[i], off + i, off + j})
			i, j = i+1, j+1
		case i < len(a) && (j == len(b) || n[i+1][j] >= n[i][j+1]):
			ops = append(ops, op{'-', a[i], off + i, off + j})
			i++
		default:
			ops = append(ops, op{'+', b[j], off + i, off + j})
			j++
		}
	}
	return ops
}
