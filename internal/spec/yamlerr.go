package spec

import (
	"fmt"
	"strings"
)

// This file finds where a YAML syntax error is, to the column, since
// yaml.v3 names only a line, often the one where the broken construct
// starts, and says what is wrong in the parser's words. It scans the
// source as YAML's block structure is written: indentation, quotes, flow
// collections ({...}, [...]), comments and block scalars. The scan is a
// heuristic, used only once yaml.v3 has failed.

// maxRecoveries bounds how many broken blocks one Read cuts out to look
// for the problems in the rest of the file.
const maxRecoveries = 10

// syntaxProblem is a YAML syntax error located to its column.
type syntaxProblem struct {
	line, col int // from 1
	msg       string
}

// flowOpen is an open { or [.
type flowOpen struct {
	ch        byte
	line, col int
	indent    int // of the line it is on
}

// lineIndent returns the number of leading spaces and tabs of s, and
// whether s holds nothing but them and maybe a comment.
func lineIndent(s string) (indent int, blank bool) {
	trimmed := strings.TrimLeft(s, " \t")
	indent = len(s) - len(trimmed)
	trimmed = strings.TrimRight(trimmed, " \t\r")
	return indent, trimmed == "" || trimmed[0] == '#'
}

// locateSyntaxError returns the first problem that the scan finds at or
// after line from (yaml.v3's line; 0 for anywhere), or ok false.
func locateSyntaxError(src []byte, from int) (p syntaxProblem, ok bool) {
	lines := strings.Split(string(src), "\n")
	var (
		problems    []syntaxProblem
		flows       []flowOpen
		quote       byte // the open quote, 0 when none
		quoteLine   int
		quoteCol    int
		quoteIndent int
		blockScalar = -1   // the indent of the line that opened a | or > scalar
		levels      []int  // the indentations of the open blocks
		kinds       []byte // each one's: 'm' a mapping, 's' a list, 0 not known yet
		expectChild bool
		started     bool
	)
	add := func(line, col int, format string, args ...any) {
		problems = append(problems, syntaxProblem{line, col, "YAML syntax error: " + fmt.Sprintf(format, args...)})
	}
	unclosed := func() {
		if quote != 0 {
			add(quoteLine, quoteCol, "the string started by this %c is not closed: end it with %c", quote, quote)
			quote = 0
		}
		if n := len(flows); n > 0 {
			f := flows[n-1]
			if f.ch == '{' {
				add(f.line, f.col, "this { is not closed: end the mapping with }")
			} else {
				add(f.line, f.col, "this [ is not closed: end the list with ]")
			}
			flows = nil
		}
	}
	for i, text := range lines {
		ln := i + 1
		text = strings.TrimRight(text, "\r")
		indent, blank := lineIndent(text)
		if blockScalar >= 0 {
			if blank || indent > blockScalar {
				continue
			}
			blockScalar = -1
		}
		if blank && quote == 0 {
			continue
		}
		if text == "---" || text == "..." || strings.HasPrefix(text, "%") {
			continue
		}
		if (quote != 0 || len(flows) > 0) && !blank {
			open := quoteIndent
			if quote == 0 {
				open = flows[0].indent
			}
			if indent <= open {
				unclosed()
			}
		}
		inBlock := quote == 0 && len(flows) == 0
		if inBlock {
			if tab := strings.IndexByte(text[:indent], '\t'); tab >= 0 {
				add(ln, tab+1, "a tab indents this line; indent with spaces only")
				expectChild = false
				continue
			}
			// The indentation of a line of the block structure.
			kind := byte('m')
			if isDash(text[indent:]) {
				kind = 's'
			}
			switch {
			case !started:
				levels, kinds, started = []int{indent}, []byte{kind}, true
			case expectChild && indent > levels[len(levels)-1]:
				levels, kinds = append(levels, indent), append(kinds, kind)
			case expectChild && indent == levels[len(levels)-1] && kind == 's':
				// a list at the indentation of its key
				levels, kinds = append(levels, indent), append(kinds, kind)
			default:
				top := levels[len(levels)-1]
				if indent > top {
					add(ln, indent+1, "this line is indented more than the one above, whose value is already given; align it with the line above, or give the field above no value on its line")
					break
				}
				var popped []int
				for n := len(levels); n > 1 && (levels[n-1] > indent ||
					levels[n-1] == indent && levels[n-2] == indent && kinds[n-1] != kind); n-- {
					popped = append(popped, levels[n-1])
					levels, kinds = levels[:n-1], kinds[:n-1]
				}
				n := len(levels)
				switch top = levels[n-1]; {
				case top != indent:
					want := []int{top}
					if len(popped) > 0 {
						want = []int{popped[len(popped)-1], top}
					}
					add(ln, indent+1, "this line is indented by %d spaces, which matches no line above: indent it by %s", indent, list(spaces(want)))
				case kinds[n-1] == 0:
					kinds[n-1] = kind
				case kinds[n-1] != kind && kind == 's':
					add(ln, indent+1, "this list entry is among the fields of a mapping: give it a field name, or indent it under one")
				case kinds[n-1] != kind:
					add(ln, indent+1, "this field is among the entries of a list: start it with - for an entry of its own, or indent it as the fields of the entry above")
				}
			}
		}
		// The tokens of the line.
		atStart := inBlock // at the start of a value, where a quote or bracket opens something
		colon := 0         // the column of the line's first key colon in the block structure, 0 when none
		last := byte(0)    // the last character of the line's content, outside comments
		lastStart := false // whether the content ended at the start of a value
		dash := false      // whether the line is a list entry
		for j := indent; j < len(text); j++ {
			c := text[j]
			if quote != 0 {
				switch {
				case quote == '"' && c == '\\':
					j++
				case quote == '\'' && c == '\'' && j+1 < len(text) && text[j+1] == '\'':
					j++
				case c == quote:
					quote = 0
					last, lastStart = c, false
				}
				continue
			}
			if c == '#' && (j == 0 || text[j-1] == ' ' || text[j-1] == '\t') {
				break
			}
			if c == ' ' || c == '\t' {
				continue
			}
			next := byte(' ')
			if j+1 < len(text) {
				next = text[j+1]
			}
			inFlow := len(flows) > 0
			switch {
			case atStart && (c == '"' || c == '\''):
				quote, quoteLine, quoteCol, quoteIndent = c, ln, j+1, indent
				atStart = false
				continue
			case (atStart || inFlow) && (c == '{' || c == '['):
				flows = append(flows, flowOpen{ch: c, line: ln, col: j + 1, indent: indent})
				atStart = true
			case inFlow && (c == '}' || c == ']'):
				f := flows[len(flows)-1]
				if (f.ch == '{') != (c == '}') {
					add(ln, j+1, "this %c does not close the %c at line %d, column %d", c, f.ch, f.line, f.col)
				}
				flows = flows[:len(flows)-1]
				atStart = false
			case inFlow && c == ',':
				atStart = true
			case c == ':' && (next == ' ' || next == '\t' || (inFlow && (next == ',' || next == '}' || next == ']'))):
				if !inFlow {
					if colon > 0 {
						add(ln, j+1, "a second \": \" on this line; quote a value that holds \": \", as in doc: \"a: b\"")
					}
					colon = j + 1
				}
				atStart = true
			case !inFlow && atStart && c == '-' && (next == ' ' || next == '\t'):
				if colon == 0 && !dash {
					dash = true
					if started && j > indent {
						levels, kinds = append(levels, j), append(kinds, 's')
					}
				}
				atStart = true
				// The entry's content, on this line, starts a block
				// whose next lines align with it.
				if rest := strings.TrimLeft(text[j+1:], " \t"); started && rest != "" && rest[0] != '#' {
					levels, kinds = append(levels, len(text)-len(rest)), append(kinds, 0)
				}
			case !inFlow && atStart && (c == '|' || c == '>'):
				blockScalar = indent
				atStart = false
			default:
				atStart = false
			}
			last, lastStart = c, atStart
		}
		if inBlock && blockScalar < 0 {
			expectChild = last == 0 || (lastStart && (last == ':' || last == '-'))
		} else {
			expectChild = false
		}
	}
	unclosed()
	for _, p := range problems {
		if p.line >= from {
			return p, true
		}
	}
	return syntaxProblem{}, false
}

// spaces returns "N" for each indentation, as words for a message.
func spaces(indents []int) []string {
	var out []string
	for _, n := range indents {
		out = append(out, fmt.Sprint(n))
	}
	return out
}

// cutBlock returns src with the lines of the block holding line blanked
// out, keeping every other line where it is: the key's declaration under
// keys when line is in one, or else the top-level field. It returns nil
// when there is nothing to cut.
func cutBlock(src []byte, line int) []byte {
	lines := strings.Split(string(src), "\n")
	if line < 1 || line > len(lines) {
		return nil
	}
	p := line - 1
	// The top-level field holding line: from the last line at indentation
	// 0 at or before it, to the next.
	start := 0
	for i := p; i >= 0; i-- {
		if ind, blank := lineIndent(lines[i]); !blank && ind == 0 {
			start = i
			break
		}
	}
	end := len(lines)
	for i := p + 1; i < len(lines); i++ {
		if ind, blank := lineIndent(lines[i]); !blank && ind == 0 {
			end = i
			break
		}
	}
	if p > start && strings.HasPrefix(lines[start], "keys:") {
		// A key's declaration: from the last line at the keys'
		// indentation, at or before line, to the next.
		keyIndent := -1
		for i := start + 1; i < end; i++ {
			if ind, blank := lineIndent(lines[i]); !blank {
				keyIndent = ind
				break
			}
		}
		if ind, _ := lineIndent(lines[p]); keyIndent > 0 && ind > 0 {
			// A line indented less than the keys belongs to the key
			// above it.
			ks := start + 1
			for i := p; i > start; i-- {
				if ind, blank := lineIndent(lines[i]); !blank && (ind == keyIndent || i < p && ind < keyIndent) {
					ks = i
					break
				}
			}
			ke := end
			for i := p + 1; i < end; i++ {
				if ind, blank := lineIndent(lines[i]); !blank && ind <= keyIndent {
					ke = i
					break
				}
			}
			start, end = ks, ke
		}
	}
	cut := false
	for i := start; i < end; i++ {
		if _, blank := lineIndent(lines[i]); !blank {
			lines[i], cut = "", true
		}
	}
	if !cut {
		return nil
	}
	return []byte(strings.Join(lines, "\n"))
}

// becauseCut reports whether msg may be a consequence of cutting a block
// out of the schema rather than a problem of its own.
func becauseCut(msg string) bool {
	for _, prefix := range []string{"empty schema", "missing field keys", "no keys declared"} {
		if strings.HasPrefix(msg, prefix) {
			return true
		}
	}
	return false
}

// recoverAfter records the problems of the rest of src, once the block holding
// line, where a syntax error is, is cut out.
func (r *reader) recoverAfter(src []byte, line int) {
	if r.depth >= maxRecoveries {
		return
	}
	rest := cutBlock(src, line)
	if rest == nil {
		return
	}
	sub := &reader{file: r.file, depth: r.depth + 1}
	if root := sub.parse(rest); root != nil {
		s := sub.schema(root)
		sub.checkNames(s)
		sub.checkFormerNames(s)
	}
	for _, e := range sub.errs {
		if becauseCut(e.Msg) || r.has(e) {
			continue
		}
		r.errs = append(r.errs, e)
	}
}

// has reports whether r has recorded e already.
func (r *reader) has(e *Error) bool {
	for _, x := range r.errs {
		if x.Pos == e.Pos && x.Msg == e.Msg {
			return true
		}
	}
	return false
}

// firstColumn returns the column of the first character of line in src
// that is not a space, or 0 when there is none.
func firstColumn(src []byte, line int) int {
	lines := strings.Split(string(src), "\n")
	if line < 1 || line > len(lines) {
		return 0
	}
	text := strings.TrimRight(lines[line-1], "\r")
	if trimmed := strings.TrimLeft(text, " "); trimmed != "" {
		return len(text) - len(trimmed) + 1
	}
	return 0
}

// isDash reports whether s starts with a list entry's "- ", or is "-".
func isDash(s string) bool {
	return s == "-" || strings.HasPrefix(s, "- ") || strings.HasPrefix(s, "-\t")
}
