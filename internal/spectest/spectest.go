// Package spectest is what the tests of the packages that take a
// spec.Schema share: reading a schema that must be valid, and defaults
// for every type of the table gotype, so that those tests cover each type
// the table gains.
package spectest

import (
	"fmt"
	"math/big"
	"os"
	"path/filepath"
	"testing"

	"github.com/sessiongen/sessiongen/internal/gotype"
	"github.com/sessiongen/sessiongen/internal/spec"
)

// ReadFile reads the schema file, naming it by its base name as the
// golden and want files of testdata do, and fails t when it cannot be read
// or is not valid.
func ReadFile(t testing.TB, file string) *spec.Schema {
	t.Helper()
	return Read(t, filepath.Base(file), string(Source(t, file)))
}

// Source returns the content of file, and fails t when it cannot be read:
// a schema to seed a fuzz test with, which need not be valid.
func Source(t testing.TB, file string) []byte {
	t.Helper()
	src, err := os.ReadFile(file)
	if err != nil {
		t.Fatal(err)
	}
	return src
}

// Read reads the schema src, named file, and fails t when it is not valid.
func Read(t testing.TB, file, src string) *spec.Schema {
	t.Helper()
	s, err := spec.Read(file, []byte(src))
	if err != nil {
		t.Fatal(err)
	}
	return s
}

// Glob returns the files that match pattern, and fails t when there are
// none.
func Glob(t testing.TB, pattern string) []string {
	t.Helper()
	files, err := filepath.Glob(pattern)
	if err != nil || len(files) == 0 {
		t.Fatalf("no files match %s: %v", pattern, err)
	}
	return files
}

// WithDefault returns a schema of one key, a, of type typ with the
// default def, written as a schema writes it.
func WithDefault(typ, def string) string {
	return fmt.Sprintf("keys:\n  a:\n    type: %q\n    default: %s\n", typ, def)
}

// Bounds returns the least and the greatest value of a type of the kind
// Int or Uint.
func Bounds(e gotype.Type) (lo, hi *big.Int) {
	one := big.NewInt(1)
	if e.Kind == gotype.Uint {
		return big.NewInt(0), new(big.Int).Sub(new(big.Int).Lsh(one, uint(e.Bits)), one)
	}
	hi = new(big.Int).Sub(new(big.Int).Lsh(one, uint(e.Bits-1)), one)
	return new(big.Int).Neg(new(big.Int).Add(hi, one)), hi
}

// Defaults returns defaults that fit the type e, as a schema writes them;
// those of an integer include its least and greatest values. A type of the
// kind NoDefault has none.
func Defaults(e gotype.Type) []string {
	switch e.Kind {
	case gotype.Bool:
		return []string{"true", "false"}
	case gotype.String:
		return []string{"light", `""`, `"42"`, `"tab\tand \u00e9 \"quoted\""`}
	case gotype.Float:
		return []string{"0", "1.5", "-2.5e-3", "7", "1e20"}
	case gotype.Duration:
		return []string{"0s", "90s", "1h30m", "-1.5ms", "1ns"}
	case gotype.Int, gotype.Uint:
		lo, hi := Bounds(e)
		return []string{lo.String(), "0", "1", hi.String()}
	}
	return nil
}
