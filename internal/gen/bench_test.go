package gen

import (
	"fmt"
	"strings"
	"testing"

	"github.com/sessiongen/sessiongen/internal/spec"
)

// schema1000 returns a schema of 1,000 keys of assorted types.
func schema1000() []byte {
	types := []string{
		"int64", "string", `"[]int64"`, "map[string]bool", "time.Time",
		"example.com/shop/model.Prefs", "time.Duration", `"[]map[string]float64"`,
	}
	var b strings.Builder
	b.WriteString("package: session\nkeys:\n")
	for i := range 1000 {
		fmt.Fprintf(&b, "  key_%d:\n    type: %s\n    doc: Value number %d.\n", i, types[i%len(types)], i)
		if i%10 == 0 {
			b.WriteString("    flash: true\n")
		}
	}
	return []byte(b.String())
}

// BenchmarkGenerate1000 reads and generates a schema of 1,000 keys.
func BenchmarkGenerate1000(b *testing.B) {
	src := schema1000()
	for b.Loop() {
		s, err := spec.Read("sessions.yaml", src)
		if err != nil {
			b.Fatal(err)
		}
		if _, err := Generate(s); err != nil {
			b.Fatal(err)
		}
	}
}
