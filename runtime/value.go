package runtime

import (
	"errors"
	"fmt"
	"unicode/utf8"
)

// CheckStorable returns an error wrapping ErrInvalidValue when the valid
// JSON raw holds what PostgreSQL's jsonb refuses, and so what every Store
// refuses alike: U+0000, a lone UTF-16 surrogate, bytes that are not UTF-8
// (the rule Set applies before any store call), or a number outside the
// range of PostgreSQL's numeric. A Store that does not hand its values to
// PostgreSQL calls it on each value it is given.
func CheckStorable(raw []byte) error {
	err := unstorable(raw)
	if err == nil {
		err = numberOutOfRange(raw)
	}
	if err != nil {
		return fmt.Errorf("%w: %w", ErrInvalidValue, err)
	}
	return nil
}

// The range of PostgreSQL's numeric, which holds jsonb's numbers: at most
// 131072 digits before the decimal point and 16383 after it, as written
// (trailing zeros count), and an exponent below 2^30-1 even for zero.
// Checked against PostgreSQL 15 (see pgstore's tests).
const (
	numericMaxIntDigits  = 131072
	numericMaxScale      = 16383
	numericExponentLimit = 1<<30 - 1
)

// numberOutOfRange reports the first number in the valid JSON raw that
// PostgreSQL's numeric cannot hold, or nil.
func numberOutOfRange(raw []byte) error {
	for i := 0; i < len(raw); {
		switch c := raw[i]; {
		case c == '"':
			i++
			for i < len(raw) && raw[i] != '"' {
				if raw[i] == '\\' {
					i++
				}
				i++
			}
			i++
		case c == '-' || '0' <= c && c <= '9':
			end := i
			for end < len(raw) && isNumberByte(raw[end]) {
				end++
			}
			if !numericHolds(raw[i:end]) {
				num := raw[i:end]
				if len(num) > 40 {
					num = append(num[:40:40], "..."...)
				}
				return fmt.Errorf("the number %s is outside the range of PostgreSQL's numeric", num)
			}
			i = end
		default:
			i++
		}
	}
	return nil
}

// isNumberByte reports whether c can be part of a JSON number.
func isNumberByte(c byte) bool {
	return '0' <= c && c <= '9' || c == '-' || c == '+' || c == '.' || c == 'e' || c == 'E'
}

// numericHolds reports whether PostgreSQL's numeric holds the valid JSON
// number num: -?int(.frac)?([eE][+-]?exp)?.
func numericHolds(num []byte) bool {
	if num[0] == '-' {
		num = num[1:]
	}
	digits := func() []byte {
		n := 0
		for n < len(num) && '0' <= num[n] && num[n] <= '9' {
			n++
		}
		d := num[:n]
		num = num[n:]
		return d
	}
	intPart := digits()
	var frac []byte
	if len(num) > 0 && num[0] == '.' {
		num = num[1:]
		frac = digits()
	}
	var exp int64
	if len(num) > 0 { // 'e' or 'E'
		num = num[1:]
		neg := num[0] == '-'
		if num[0] == '-' || num[0] == '+' {
			num = num[1:]
		}
		for _, c := range digits() {
			// Saturates: any exponent past the limit is out of range.
			exp = min(exp*10+int64(c-'0'), numericExponentLimit)
		}
		if neg {
			exp = -exp
		}
	}
	if exp >= numericExponentLimit || exp <= -numericExponentLimit || int64(len(frac))-exp > numericMaxScale {
		return false
	}
	// Only a number that is not zero has a first significant digit, whose
	// power of ten bounds the digits before the decimal point.
	for i, c := range intPart {
		if c != '0' {
			return int64(len(intPart)-1-i)+exp < numericMaxIntDigits
		}
	}
	for i, c := range frac {
		if c != '0' {
			return int64(-1-i)+exp < numericMaxIntDigits
		}
	}
	return true
}

// unstorable reports why JSON produced by encoding/json cannot be stored,
// or nil: PostgreSQL's jsonb refuses U+0000 and a UTF-16 surrogate that is
// not half of a pair, and refusing them here keeps every store alike. Bytes
// that are not UTF-8, which a json.RawMessage or a MarshalJSON method can
// produce, are refused too. It walks the escapes, so an escaped backslash
// followed by "u0000" is not mistaken for one.
func unstorable(raw []byte) error {
	if !utf8.Valid(raw) {
		return errors.New("the JSON is not valid UTF-8")
	}
	for i := 0; i < len(raw); i++ {
		if raw[i] != '\\' {
			continue
		}
		i++ // the escaped character
		r, ok := unicodeEscape(raw[i:])
		if !ok {
			continue
		}
		i += 4
		switch {
		case r == 0:
			return errors.New("a string holds the NUL character U+0000")
		case 0xd800 <= r && r < 0xdc00: // a high half: a low half must follow
			if low, ok := unicodeEscape(raw[min(i+2, len(raw)):]); ok && raw[i+1] == '\\' && 0xdc00 <= low && low <= 0xdfff {
				i += 6
				continue
			}
			return fmt.Errorf("a string holds a lone UTF-16 surrogate \\u%04x", r)
		case 0xdc00 <= r && r <= 0xdfff:
			return fmt.Errorf("a string holds a lone UTF-16 surrogate \\u%04x", r)
		}
	}
	return nil
}

// unicodeEscape decodes the escape \uXXXX that starts b without its
// backslash: "uXXXX".
func unicodeEscape(b []byte) (rune, bool) {
	if len(b) < 5 || b[0] != 'u' {
		return 0, false
	}
	var r rune
	for _, c := range b[1:5] {
		var d byte
		switch {
		case '0' <= c && c <= '9':
			d = c - '0'
		case 'a' <= c && c <= 'f':
			d = c - 'a' + 10
		case 'A' <= c && c <= 'F':
			d = c - 'A' + 10
		default:
			return 0, false
		}
		r = r<<4 | rune(d)
	}
	return r, true
}
