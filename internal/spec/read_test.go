package spec

import (
	"errors"
	"strings"
	"testing"
)

// TestRejects checks the exact message and position of each problem Read
// rejects.
func TestRejects(t *testing.T) {
	testRejects(t, []rejection{
		{"unknown top field", "pakage: x\nkeys: {a: {type: int}}\n",
			`s.yaml:1:1: unknown field "pakage" in the schema (want package, user or keys)`},
		{"unknown key field", "keys:\n  a:\n    type: int\n    flsh: true\n",
			`s.yaml:4:5: unknown field "flsh" in key "a" (want type, doc, default, flash, sensitive, encrypted, ttl, on_sign_in, renamed_from or deprecated)`},
		{"missing type", "keys:\n  a:\n    doc: A.\n",
			`s.yaml:2:3: key "a" has no type`},
		{"unknown type", "keys:\n  a:\n    type: int65\n",
			`s.yaml:3:11: unknown type "int65"; did you mean "int64"?`},
		{"unknown elem type", "keys:\n  a:\n    type: \"[]any\"\n",
			`s.yaml:3:11: unknown type "[]any"`},
		{"pointer type", "keys:\n  a:\n    type: \"*int\"\n",
			`s.yaml:3:11: unknown type "*int"`},
		{"empty type", "keys:\n  a:\n    type: \"\"\n",
			`s.yaml:3:11: empty type`},
		{"type not a string", "keys:\n  a:\n    type: 5\n",
			`s.yaml:3:11: type must be a string`},
		{"type as a list", "keys:\n  a:\n    type: [int]\n",
			`s.yaml:3:11: type must be a string; quote types that start with [, such as "[]int64"`},
		{"map key not string", "keys:\n  a:\n    type: map[int]string\n",
			`s.yaml:3:11: map key type must be string, not "int", in type "map[int]string": values are stored as JSON objects`},
		{"malformed import path", "keys:\n  a:\n    type: example.com//model.Prefs\n",
			`s.yaml:3:11: malformed import path "example.com//model" in type "example.com//model.Prefs": empty path element`},
		{"import path bad char", "keys:\n  a:\n    type: exa mple.com/model.Prefs\n",
			`s.yaml:3:11: malformed import path "exa mple.com/model" in type "exa mple.com/model.Prefs": invalid character ' '`},
		{"import path without type name", "keys:\n  a:\n    type: example.com/shop/model\n",
			`s.yaml:3:11: type "example.com/shop/model" has no type name: want an import path and a type name, such as example.com/shop/model.Prefs`},
		{"unexported named type", "keys:\n  a:\n    type: example.com/model.prefs\n",
			`s.yaml:3:11: type "example.com/model.prefs" is not exported, so the generated package cannot name it`},
		{"key not snake_case", "keys:\n  CartItems:\n    type: int\n",
			`s.yaml:2:3: key "CartItems" is not snake_case: use lower-case words joined by _, such as cart_items`},
		{"key with double underscore", "keys:\n  cart__items:\n    type: int\n",
			`s.yaml:2:3: key "cart__items" is not snake_case: use lower-case words joined by _, such as cart_items`},
		{"key starting with digit", "keys:\n  1st:\n    type: int\n",
			`s.yaml:2:3: key "1st" is not snake_case: use lower-case words joined by _, such as cart_items`},
		{"reserved key", "keys:\n  _expiry:\n    type: int\n",
			`s.yaml:2:3: key "_expiry" is reserved: keys starting with _ belong to the runtime`},
		{"same Go name", "keys:\n  id:\n    type: int\n  i_d:\n    type: int\n",
			`s.yaml:4:3: key "i_d" has the Go name ID, as has key "id" (line 2)`},
		{"lifecycle clash", "keys:\n  flush:\n    type: bool\n",
			`s.yaml:2:3: key "flush" would generate Flush, which clashes with the lifecycle method Flush`},
		{"lifecycle clash err", "keys:\n  err:\n    type: string\n",
			`s.yaml:2:3: key "err" would generate Err, which clashes with the lifecycle method Err`},
		{"lifecycle clash of setter", "keys:\n  expiry:\n    type: string\n",
			`s.yaml:2:3: key "expiry" would generate SetExpiry, which clashes with the lifecycle method SetExpiry`},
		{"lifecycle clash of delete", "keys:\n  test_cookie:\n    type: string\n",
			`s.yaml:2:3: key "test_cookie" would generate SetTestCookie, which clashes with the lifecycle method SetTestCookie`},
		{"top-level clash from", "keys:\n  from:\n    type: string\n",
			`s.yaml:2:3: key "from" would generate From, which clashes with the generated top-level From`},
		{"top-level clash keys", "keys:\n  keys:\n    type: string\n",
			`s.yaml:2:3: key "keys" would generate Keys, which clashes with the generated top-level Keys`},
		{"top-level clash session", "keys:\n  session:\n    type: string\n",
			`s.yaml:2:3: key "session" would generate Session, which clashes with the generated top-level Session`},
		{"interface method clash", "keys:\n  string:\n    type: string\n",
			`s.yaml:2:3: key "string" would generate String, which clashes with the standard interface method String`},
		{"setter clash", "keys:\n  x:\n    type: int\n  set_x:\n    type: int\n",
			`s.yaml:4:3: key "set_x" would generate SetX, which clashes with the setter of key "x" (line 2)`},
		{"setter clash, other order", "keys:\n  set_x:\n    type: int\n  x:\n    type: int\n",
			`s.yaml:4:3: key "x" would generate SetX, which clashes with the getter of key "set_x" (line 2)`},
		{"lookup clash", "keys:\n  x:\n    type: int\n  lookup_x:\n    type: int\n",
			`s.yaml:4:3: key "lookup_x" would generate LookupX, which clashes with the lookup method of key "x" (line 2)`},
		{"delete clash", "keys:\n  x:\n    type: int\n  delete_x:\n    type: int\n",
			`s.yaml:4:3: key "delete_x" would generate DeleteX, which clashes with the delete method of key "x" (line 2)`},
		{"pop clash", "keys:\n  x:\n    type: int\n    flash: true\n  pop_x:\n    type: int\n",
			`s.yaml:5:3: key "pop_x" would generate PopX, which clashes with the pop method of key "x" (line 2)`},
		{"update clash", "keys:\n  x:\n    type: int\n  update_x:\n    type: int\n",
			`s.yaml:4:3: key "update_x" would generate UpdateX, which clashes with the update method of key "x" (line 2)`},
		{"update clash, other order", "keys:\n  update_x:\n    type: int\n  x:\n    type: int\n",
			`s.yaml:4:3: key "x" would generate UpdateX, which clashes with the getter of key "update_x" (line 2)`},
		{"update clash of a flash key", "keys:\n  x:\n    type: int\n    flash: true\n  update_x:\n    type: int\n",
			`s.yaml:5:3: key "update_x" would generate UpdateX, which clashes with the update method of key "x" (line 2)`},
		{"int default not a number", "keys:\n  a:\n    type: int64\n    default: abc\n",
			`s.yaml:4:14: default abc is not a valid int64`},
		{"int default is a float", "keys:\n  a:\n    type: int\n    default: 1.5\n",
			`s.yaml:4:14: default 1.5 is not a valid int`},
		{"int8 default out of range", "keys:\n  a:\n    type: int8\n    default: 128\n",
			`s.yaml:4:14: default 128 overflows int8`},
		{"int64 default out of range", "keys:\n  a:\n    type: int64\n    default: 9223372036854775808\n",
			`s.yaml:4:14: default 9223372036854775808 overflows int64`},
		{"uint default negative", "keys:\n  a:\n    type: uint\n    default: -1\n",
			`s.yaml:4:14: default -1 overflows uint: it is negative`},
		{"uint16 default out of range", "keys:\n  a:\n    type: uint16\n    default: 65536\n",
			`s.yaml:4:14: default 65536 overflows uint16`},
		{"float32 default out of range", "keys:\n  a:\n    type: float32\n    default: 1e39\n",
			`s.yaml:4:14: default 1e39 overflows float32`},
		{"float default infinite", "keys:\n  a:\n    type: float64\n    default: .inf\n",
			`s.yaml:4:14: default .inf cannot be stored as JSON: want a finite number`},
		{"bool default", "keys:\n  a:\n    type: bool\n    default: yes\n",
			`s.yaml:4:14: default yes is not a bool: want true or false`},
		{"string default not a string", "keys:\n  a:\n    type: string\n    default: 42\n",
			`s.yaml:4:14: default 42 is not a string: quote it`},
		{"null default", "keys:\n  a:\n    type: string\n    default: null\n",
			`s.yaml:4:14: default must not be null: leave it out for the zero value`},
		{"duration default", "keys:\n  a:\n    type: time.Duration\n    default: 5 minutes\n",
			`s.yaml:4:14: default "5 minutes" is not a valid time.Duration: want a duration such as 90s or 1h30m`},
		{"time default", "keys:\n  a:\n    type: time.Time\n    default: 2024-01-01T00:00:00Z\n",
			`s.yaml:4:14: type time.Time cannot have a default: only predeclared types, time.Duration, and slices and maps of them can`},
		{"named default", "keys:\n  a:\n    type: example.com/model.Prefs\n    default: {}\n",
			`s.yaml:4:14: type example.com/model.Prefs cannot have a default: only predeclared types, time.Duration, and slices and maps of them can`},
		{"slice default not a list", "keys:\n  a:\n    type: \"[]int\"\n    default: 1\n",
			`s.yaml:4:14: default for []int must be a YAML sequence, such as [a, b]`},
		{"slice default bad elem", "keys:\n  a:\n    type: \"[]int8\"\n    default: [1, 1000]\n",
			`s.yaml:4:18: default 1000 overflows int8`},
		{"map default not a mapping", "keys:\n  a:\n    type: map[string]int\n    default: [1]\n",
			`s.yaml:4:14: default for map[string]int must be a YAML mapping, such as {a: b}`},
		{"map default duplicate key", "keys:\n  a:\n    type: map[string]int\n    default: {x: 1, x: 2}\n",
			`s.yaml:4:21: duplicate map key "x" (first at line 4)`},
		{"map of named default", "keys:\n  a:\n    type: map[string]time.Time\n    default: {x: 1}\n",
			`s.yaml:4:18: type time.Time cannot have a default: only predeclared types, time.Duration, and slices and maps of them can`},
		{"flash with default", "keys:\n  a:\n    type: string\n    flash: true\n    default: x\n",
			`s.yaml:5:14: flash key "a" cannot have a default: PopA reports whether it was set`},
		{"flash not a bool", "keys:\n  a:\n    type: string\n    flash: 1\n",
			`s.yaml:4:12: flash must be true or false`},
		{"sensitive not a bool", "keys:\n  a:\n    type: string\n    sensitive: yes\n",
			`s.yaml:4:16: sensitive must be true or false`},
		{"doc not a string", "keys:\n  a:\n    type: string\n    doc: [a]\n",
			`s.yaml:4:10: doc must be a string`},
		{"key not a mapping", "keys:\n  a: int\n",
			`s.yaml:2:6: key "a" must be a mapping with at least a type, such as {type: string}`},
		// yaml.v3 names the line where the construct it could not finish
		// starts, and no column: Read finds the offending token (more in
		// testdata/syntax).
		{"yaml syntax error", "keys:\n  a: {type: int\n",
			`s.yaml:2:6: YAML syntax error: this { is not closed: end the mapping with }`},
		{"yaml tab", "keys:\n\ta:\n",
			`s.yaml:2:1: YAML syntax error: a tab indents this line; indent with spaces only`},
		{"unquoted slice type", "keys:\n  a:\n    type: []int64\n",
			`s.yaml:3:11: quote types that start with [, as in type: "[]int64": YAML reads [ as the start of a list`},
		{"empty file", "",
			`s.yaml:1:1: empty schema: declare at least one key under keys`},
		{"comments only", "# nothing\n",
			`s.yaml:1:1: empty schema: declare at least one key under keys`},
		{"no keys field", "package: session\n",
			`s.yaml:1:1: missing field keys: declare at least one key`},
		{"null keys", "keys:\n",
			`s.yaml:1:1: no keys declared: declare at least one key under keys`},
		{"empty keys", "keys: {}\n",
			`s.yaml:1:7: no keys declared: declare at least one key under keys`},
		{"keys a list", "keys: [a]\n",
			`s.yaml:1:7: keys must be a mapping from each key's name to its declaration`},
		{"schema a list", "- keys\n",
			`s.yaml:1:1: a schema is a mapping with the fields package and keys`},
		{"duplicate key", "keys:\n  a:\n    type: int\n  a:\n    type: string\n",
			`s.yaml:4:3: duplicate key "a" (first at line 2)`},
		{"duplicate field", "keys:\n  a:\n    type: int\n    type: string\n",
			`s.yaml:4:5: duplicate field "type" in key "a" (first at line 3)`},
		{"duplicate top field", "keys: {a: {type: int}}\nkeys: {b: {type: int}}\n",
			`s.yaml:2:1: duplicate field "keys" in the schema (first at line 1)`},
		{"package keyword", "package: func\nkeys: {a: {type: int}}\n",
			`s.yaml:1:10: package "func" is a Go keyword`},
		{"package not identifier", "package: my-app\nkeys: {a: {type: int}}\n",
			`s.yaml:1:10: package "my-app" is not a valid Go package name`},
		{"package blank", "package: _\nkeys: {a: {type: int}}\n",
			`s.yaml:1:10: package "_" is not a valid Go package name`},
		{"package not a string", "package: 1\nkeys: {a: {type: int}}\n",
			`s.yaml:1:10: package must be a string`},
		{"alias", "keys:\n  a: &x {type: int}\n  b: *x\n",
			`s.yaml:3:6: YAML aliases are not supported in a schema`},
		{"two documents", "keys: {a: {type: int}}\n---\nkeys: {b: {type: int}}\n",
			`s.yaml:2:1: a schema is one YAML document; remove this second one`},
	})
}

// rejection is a schema that Read rejects, and the problems it reports,
// one a line.
type rejection struct {
	name string
	src  string
	want string
}

// testRejects checks that Read returns no schema for each of tests, and an
// ErrorList that reports exactly its problems.
func testRejects(t *testing.T, tests []rejection) {
	t.Helper()
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s, err := Read("s.yaml", []byte(tt.src))
			if err == nil {
				t.Fatalf("Read accepted:\n%s", tt.src)
			}
			if s != nil {
				t.Errorf("Read returned a schema with its error")
			}
			var list ErrorList
			if !errors.As(err, &list) {
				t.Fatalf("error %T is not an ErrorList", err)
			}
			if got := err.Error(); got != tt.want {
				t.Errorf("got\n%s\nwant\n%s", got, tt.want)
			}
		})
	}
}

// TestAllErrors checks that one run reports every problem, sorted by
// position.
func TestAllErrors(t *testing.T) {
	src := `package: func
keys:
  UserID:
    type: int64
  cart_items:
    type: "[]int65"
  flush:
    type: bool
  theme:
    type: string
    default: 42
    colour: red
  x:
    type: int
  set_x:
    type: int
  retries:
    type: int8
    default: 300
`
	want := []string{
		`s.yaml:1:10: package "func" is a Go keyword`,
		`s.yaml:3:3: key "UserID" is not snake_case: use lower-case words joined by _, such as cart_items`,
		`s.yaml:6:11: unknown type "[]int65"; did you mean "[]int64"?`,
		`s.yaml:7:3: key "flush" would generate Flush, which clashes with the lifecycle method Flush`,
		`s.yaml:11:14: default 42 is not a string: quote it`,
		`s.yaml:12:5: unknown field "colour" in key "theme" (want type, doc, default, flash, sensitive, encrypted, ttl, on_sign_in, renamed_from or deprecated)`,
		`s.yaml:15:3: key "set_x" would generate SetX, which clashes with the setter of key "x" (line 13)`,
		`s.yaml:19:14: default 300 overflows int8`,
	}
	_, err := Read("s.yaml", []byte(src))
	if err == nil {
		t.Fatal("Read accepted the schema")
	}
	if got := err.Error(); got != strings.Join(want, "\n") {
		t.Errorf("got\n%s\nwant\n%s", got, strings.Join(want, "\n"))
	}
}
