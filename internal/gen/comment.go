package gen

import (
	"strings"
	"unicode"
	"unicode/utf8"
)

// commentWidth is the width, after "// ", to which comments are wrapped.
const commentWidth = 76

// wrap returns text as a // comment, word-wrapped, with paragraphs (split
// by "\n\n") separated by an empty // line. A paragraph whose lines start
// with a tab is code, kept as it is.
func wrap(text string) string {
	var lines []string
	for i, para := range strings.Split(text, "\n\n") {
		if i > 0 {
			lines = append(lines, "//")
		}
		if strings.HasPrefix(para, "\t") {
			for _, l := range strings.Split(para, "\n") {
				lines = append(lines, "//"+l)
			}
			continue
		}
		line := ""
		for _, w := range strings.Fields(para) {
			if line != "" && len(line)+1+len(w) > commentWidth {
				lines = append(lines, "// "+line)
				line = ""
			}
			if line != "" {
				line += " "
			}
			line += w
		}
		if line != "" {
			lines = append(lines, "// "+line)
		}
	}
	return strings.Join(lines, "\n")
}

// maxShortWords is the most words a doc's phrase may have to be used in
// the comments of the lookup, set and delete methods.
const maxShortWords = 10

// docText is a key's doc split for use in method comments.
type docText struct {
	// phrase is the doc's first sentence, without its period, made to
	// follow a verb: "the items in the cart".
	phrase string
	// short is phrase when it is short and simple enough to sit inside a
	// longer sentence, else one naming the key: "the value of theme".
	short string
	// rest is the rest of the doc's first paragraph; more holds its other
	// paragraphs.
	rest string
	more []string
}

// parseDoc splits doc, a noun phrase such as "Items in the cart." or "ID of
// the signed-in user.", followed by any further sentences and paragraphs.
// Without a doc, the phrase names the key: "the value of cart_items".
func parseDoc(doc, key string) docText {
	paras := paragraphs(doc)
	fallback := "the value of " + key
	if len(paras) == 0 {
		return docText{phrase: fallback, short: fallback}
	}
	first := paras[0]
	sentence, rest := first, ""
	if i := strings.Index(first, ". "); i >= 0 {
		sentence, rest = first[:i], strings.TrimSpace(first[i+2:])
	}
	sentence = strings.TrimRight(sentence, ".")
	if rest != "" && !endsSentence(rest) {
		rest += "."
	}
	more := paras[1:]
	for i, p := range more {
		if !endsSentence(p) {
			more[i] = p + "."
		}
	}
	d := docText{phrase: nounPhrase(sentence), short: fallback, rest: rest, more: more}
	if !strings.ContainsAny(d.phrase, ",;:()") && len(strings.Fields(d.phrase)) <= maxShortWords {
		d.short = d.phrase
	}
	return d
}

// paragraphs returns the paragraphs of doc, each on one line, with
// control characters replaced by spaces.
func paragraphs(doc string) []string {
	doc = strings.Map(func(r rune) rune {
		if r == '\n' {
			return r
		}
		if unicode.IsControl(r) || r == utf8.RuneError || r == '\u2028' || r == '\u2029' {
			return ' '
		}
		return r
	}, doc)
	var out []string
	para := ""
	for _, line := range strings.Split(doc+"\n", "\n") {
		line = strings.Join(strings.Fields(line), " ")
		switch {
		case line != "" && para != "":
			para += " " + line
		case line != "":
			para = line
		case para != "":
			out = append(out, para)
			para = ""
		}
	}
	return out
}

// endsSentence reports whether s ends with a sentence's punctuation.
func endsSentence(s string) bool {
	return strings.HasSuffix(s, ".") || strings.HasSuffix(s, "!") || strings.HasSuffix(s, "?")
}

// determiners may start a noun phrase as it is; before any other word a
// noun phrase takes "the".
var determiners = map[string]bool{
	"the": true, "a": true, "an": true, "this": true, "that": true, "these": true,
	"those": true, "each": true, "every": true, "all": true, "any": true, "some": true,
	"no": true, "one": true, "its": true, "their": true, "his": true, "her": true,
	"our": true, "your": true, "my": true, "whether": true, "how": true, "when": true,
	"where": true, "which": true, "what": true, "who": true, "why": true, "if": true,
}

// nounPhrase makes the start of a doc sentence follow a verb: "Items in
// the cart" → "the items in the cart", "The theme" → "the theme", "ID of the
// user" → "the ID of the user".
func nounPhrase(s string) string {
	word, _, _ := strings.Cut(s, " ")
	if lower := lowerFirst(word); lower != word {
		s = lower + s[len(word):]
		word = lower
	}
	if determiners[strings.TrimRightFunc(word, unicode.IsPunct)] {
		return s
	}
	return "the " + s
}

// lowerFirst lower-cases a capitalised word ("Items" → "items") and leaves
// initialisms, names with inner capitals and "I" alone.
func lowerFirst(word string) string {
	r, size := utf8.DecodeRuneInString(word)
	if !unicode.IsUpper(r) || size == len(word) {
		return word
	}
	for _, c := range word[size:] {
		if unicode.IsUpper(c) || unicode.IsDigit(c) {
			return word
		}
	}
	return string(unicode.ToLower(r)) + word[size:]
}
