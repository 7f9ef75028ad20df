package spec

import (
	"cmp"
	"fmt"
	"slices"
	"strings"
)

// Pos is a position in a schema file. Line and Col count from 1; a zero
// Col (or Line) means the position is known only to the line (or file).
type Pos struct {
	File string
	Line int
	Col  int
}

// String returns the position as file:line:col, leaving out what is not
// known.
func (p Pos) String() string {
	switch {
	case p.Line == 0:
		return p.File
	case p.Col == 0:
		return fmt.Sprintf("%s:%d", p.File, p.Line)
	}
	return fmt.Sprintf("%s:%d:%d", p.File, p.Line, p.Col)
}

// compare orders positions by line, then column.
func (p Pos) compare(q Pos) int {
	return cmp.Or(cmp.Compare(p.Line, q.Line), cmp.Compare(p.Col, q.Col))
}

// Error is one problem in a schema.
type Error struct {
	// Pos is where the problem is.
	Pos Pos
	// Msg describes it.
	Msg string
}

// Error returns "file:line:col: message".
func (e *Error) Error() string { return e.Pos.String() + ": " + e.Msg }

// ErrorList is every problem found in a schema, sorted by position. Read
// returns it as its error.
type ErrorList []*Error

// Error returns the problems, one a line.
func (l ErrorList) Error() string {
	var b strings.Builder
	for i, e := range l {
		if i > 0 {
			b.WriteByte('\n')
		}
		b.WriteString(e.Error())
	}
	return b.String()
}

// Join returns the problems of l and more, in order of position.
func (l ErrorList) Join(more ErrorList) ErrorList {
	all := append(slices.Clone(l), more...)
	all.sort()
	return all
}

// sort orders the list by position, keeping the order of problems found at
// one position.
func (l ErrorList) sort() {
	slices.SortStableFunc(l, func(a, b *Error) int { return a.Pos.compare(b.Pos) })
}
