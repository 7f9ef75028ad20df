package gen

import (
	"strings"
	"testing"

	"github.com/sessiongen/sessiongen/internal/spectest"
)

// TestOwnPackageTypes checks that a key type of the generated package
// itself is written without a qualifier, and the package not imported,
// when Options.PkgPath names the package; other named types keep theirs.
func TestOwnPackageTypes(t *testing.T) {
	s := spectest.Read(t, "sessions.yaml", `package: session
keys:
  cart:
    type: "[]example.com/app/session.Cart"
  prefs:
    type: map[string]example.com/app/model.Prefs
`)
	code, err := GenerateWith(s, Options{PkgPath: "example.com/app/session"})
	if err != nil {
		t.Fatal(err)
	}
	src := string(code)
	for _, want := range []string{") Cart() []Cart {", ") Prefs() map[string]model.Prefs {", `"example.com/app/model"`} {
		if !strings.Contains(src, want) {
			t.Errorf("the code lacks %s:\n%s", want, src)
		}
	}
	if strings.Contains(src, `"example.com/app/session"`) {
		t.Errorf("the package imports itself:\n%s", src)
	}
	// The Keys table names the type as the schema does.
	if !strings.Contains(src, `"[]example.com/app/session.Cart"`) {
		t.Errorf("Keys does not name the schema's type:\n%s", src)
	}
}
