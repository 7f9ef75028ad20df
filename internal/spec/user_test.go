package spec

import (
	"testing"

	"github.com/sessiongen/sessiongen/internal/gotype"
)

// TestUser checks the user types Read accepts, and the default.
func TestUser(t *testing.T) {
	s, err := Read("s.yaml", []byte("keys: {a: {type: int}}\n"))
	if err != nil {
		t.Fatal(err)
	}
	if s.User != nil || s.UserType().String() != "string" {
		t.Errorf("without a user block: User = %v, UserType() = %v, want nil and string", s.User, s.UserType())
	}
	types := []string{"time.Time", "example.com/shop/id.UserID", "gopkg.in/yaml.v3.Node"}
	for _, e := range gotype.All() {
		if e.Path == "" {
			types = append(types, e.Name)
		}
	}
	for _, typ := range types {
		src := "user:\n  type: " + typ + "\nkeys: {a: {type: int}}\n"
		s, err := Read("s.yaml", []byte(src))
		if err != nil {
			t.Errorf("user type %s: %v", typ, err)
			continue
		}
		if got := s.UserType().String(); got != typ {
			t.Errorf("user type %s: UserType() = %s", typ, got)
		}
		if p := s.User.PosOf("type"); p != (Pos{File: "s.yaml", Line: 2, Col: 9}) {
			t.Errorf("user type %s: PosOf(type) = %v", typ, p)
		}
		if p := s.User.Pos; p != (Pos{File: "s.yaml", Line: 1, Col: 1}) {
			t.Errorf("user type %s: Pos = %v", typ, p)
		}
	}
}

// TestUserRejects checks the messages and positions of a bad user block.
func TestUserRejects(t *testing.T) {
	const keys = "keys: {a: {type: int}}\n"
	testRejects(t, []rejection{
		{"unknown user type", "user:\n  type: \"*int64\"\n" + keys,
			`s.yaml:2:9: unknown type "*int64"`},
		{"slice user type", "user:\n  type: \"[]int64\"\n" + keys,
			`s.yaml:2:9: user type []int64 is a composite type: a user id is one value with a text form, such as int64, string or a named type implementing encoding.TextMarshaler`},
		{"map user type", "user: {type: \"map[string]int\"}\n" + keys,
			`s.yaml:1:14: user type map[string]int is a composite type: a user id is one value with a text form, such as int64, string or a named type implementing encoding.TextMarshaler`},
		{"duration user type", "user: {type: time.Duration}\n" + keys,
			`s.yaml:1:14: user type time.Duration has no text form: it does not implement encoding.TextMarshaler; use int64`},
		{"unknown user field", "user:\n  type: int64\n  tpye: int64\n" + keys,
			`s.yaml:3:3: unknown field "tpye" in user (want type)`},
		{"user without type", "user: {}\n" + keys,
			`s.yaml:1:1: user has no type: give the type of the user id, such as {type: int64}`},
		{"user not a mapping", "user: int64\n" + keys,
			`s.yaml:1:7: user must be a mapping with the type of the user id, such as {type: int64}`},
		{"user type not a string", "user: {type: 5}\n" + keys,
			`s.yaml:1:14: type must be a string`},
		{"user helper clash", "user: {type: int64}\nkeys: {user_sessions: {type: int}}\n",
			`s.yaml:2:8: key "user_sessions" would generate UserSessions, which clashes with the generated top-level UserSessions of the user block`},
	})
	// Without a user block, the helpers are not generated and their names
	// are free.
	if _, err := Read("s.yaml", []byte("keys: {user_sessions: {type: int}}\n")); err != nil {
		t.Errorf("key user_sessions without a user block: %v", err)
	}
}
