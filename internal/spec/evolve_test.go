package spec

import (
	"reflect"
	"testing"
)

// TestRejectsEvolutionFields checks the exact message and position of each
// problem with renamed_from and deprecated.
func TestRejectsEvolutionFields(t *testing.T) {
	testRejects(t, []rejection{
		{"renamed_from a string", "keys:\n  cart:\n    type: int\n    renamed_from: basket\n",
			`s.yaml:4:19: renamed_from must be a list of the key's former names, newest first, such as [cart]`},
		{"renamed_from empty", "keys:\n  cart:\n    type: int\n    renamed_from: []\n",
			`s.yaml:4:19: renamed_from is empty: list the key's former names, newest first, or leave it out`},
		{"renamed_from null", "keys:\n  cart:\n    type: int\n    renamed_from:\n",
			`s.yaml:4:18: renamed_from must be a list of the key's former names, newest first, such as [cart]`},
		{"former name a mapping", "keys:\n  cart:\n    type: int\n    renamed_from: [{a: b}]\n",
			`s.yaml:4:20: a former name in renamed_from must be a key name, such as cart`},
		{"former name null", "keys:\n  cart:\n    type: int\n    renamed_from: [basket, null]\n",
			`s.yaml:4:28: a former name in renamed_from must be a key name, such as cart`},
		{"former name itself", "keys:\n  cart:\n    type: int\n    renamed_from: [basket, cart]\n",
			`s.yaml:4:28: key "cart" cannot be renamed from itself`},
		{"former name reserved", "keys:\n  cart:\n    type: int\n    renamed_from: [_basket]\n",
			`s.yaml:4:20: former name "_basket" is reserved: keys starting with _ belong to the runtime`},
		{"former name not snake_case", "keys:\n  cart:\n    type: int\n    renamed_from: [Basket]\n",
			`s.yaml:4:20: former name "Basket" is not snake_case: use lower-case words joined by _, such as cart_items`},
		{"former name twice", "keys:\n  cart:\n    type: int\n    renamed_from:\n      - basket\n      - basket\n",
			`s.yaml:6:9: former name "basket" is listed twice (first at line 5)`},
		{"former name is a key", "keys:\n  cart:\n    type: int\n    renamed_from: [basket]\n  basket:\n    type: int\n",
			`s.yaml:4:20: former name "basket" of key "cart" is still a key (line 5): remove it from renamed_from, or rename that key`},
		{"former name is a later key", "keys:\n  basket:\n    type: int\n  cart:\n    type: int\n    renamed_from: [bag, basket]\n",
			`s.yaml:6:25: former name "basket" of key "cart" is still a key (line 2): remove it from renamed_from, or rename that key`},
		{"former name under two keys", "keys:\n  cart:\n    type: int\n    renamed_from: [basket]\n  bag:\n    type: int\n    renamed_from: [sack, basket]\n",
			`s.yaml:7:26: former name "basket" of key "bag" is also a former name of key "cart" (line 2): a stored value can move to one key only`},
		{"former name alias", "keys:\n  a:\n    type: int\n    doc: &d x\n  cart:\n    type: int\n    renamed_from: [*d]\n",
			`s.yaml:7:20: YAML aliases are not supported in a schema`},
		{"deprecated a bool", "keys:\n  cart:\n    type: int\n    deprecated: true\n",
			`s.yaml:4:17: deprecated must be a string: the reason, such as "use cart instead"`},
		{"deprecated empty", "keys:\n  cart:\n    type: int\n    deprecated: \"  \"\n",
			`s.yaml:4:17: deprecated needs a reason, such as "use cart instead"`},
		{"deprecated null", "keys:\n  cart:\n    type: int\n    deprecated:\n",
			`s.yaml:4:16: deprecated must be a string: the reason, such as "use cart instead"`},
	})
}

// TestReadsEvolutionFields checks what Read keeps of renamed_from and
// deprecated, and where it says the fields are.
func TestReadsEvolutionFields(t *testing.T) {
	src := `keys:
  cart:
    type: "[]int64"
    renamed_from: [basket, bag]
    deprecated: |
      Use   line_items,
      which holds quantities.
  theme:
    type: string
`
	s, err := Read("s.yaml", []byte(src))
	if err != nil {
		t.Fatal(err)
	}
	cart, theme := s.Keys[0], s.Keys[1]
	wantFormer := []FormerName{
		{Name: "basket", Pos: Pos{File: "s.yaml", Line: 4, Col: 20}},
		{Name: "bag", Pos: Pos{File: "s.yaml", Line: 4, Col: 28}},
	}
	if !reflect.DeepEqual(cart.RenamedFrom, wantFormer) {
		t.Errorf("RenamedFrom = %+v, want %+v", cart.RenamedFrom, wantFormer)
	}
	if got := cart.FormerNames(); !reflect.DeepEqual(got, []string{"basket", "bag"}) {
		t.Errorf("FormerNames() = %q", got)
	}
	if want := "Use line_items, which holds quantities."; cart.Deprecated != want {
		t.Errorf("Deprecated = %q, want %q", cart.Deprecated, want)
	}
	if got, want := cart.PosOf("type"), (Pos{File: "s.yaml", Line: 3, Col: 11}); got != want {
		t.Errorf(`PosOf("type") = %v, want %v`, got, want)
	}
	if got := cart.PosOf("default"); got != cart.Pos {
		t.Errorf(`PosOf("default") without a default = %v, want the key's %v`, got, cart.Pos)
	}
	if theme.RenamedFrom != nil || theme.Deprecated != "" || len(theme.FormerNames()) != 0 {
		t.Errorf("theme: %+v", theme)
	}
}
