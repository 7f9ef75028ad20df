package spec

import (
	"encoding/json"
	"fmt"
	"go/types"
	"os"
	"regexp"
	"slices"
	"testing"

	"github.com/sessiongen/sessiongen/internal/gotype"
)

// jsonSchema is the part of schema/sessions.schema.json that must agree
// with the reader.
type jsonSchema struct {
	Properties map[string]json.RawMessage `json:"properties"`
	Keys       struct {
		PropertyNames struct {
			Pattern string `json:"pattern"`
		} `json:"propertyNames"`
		AdditionalProperties struct {
			Properties map[string]struct {
				Pattern string `json:"pattern"`
			} `json:"properties"`
		} `json:"additionalProperties"`
	} `json:"-"`
}

// readJSONSchema reads and decodes the JSON Schema of sessions.yaml.
func readJSONSchema(t *testing.T) jsonSchema {
	t.Helper()
	src, err := os.ReadFile("../../schema/sessions.schema.json")
	if err != nil {
		t.Fatal(err)
	}
	var js jsonSchema
	if err := json.Unmarshal(src, &js); err != nil {
		t.Fatalf("sessions.schema.json is not valid JSON: %v", err)
	}
	if err := json.Unmarshal(js.Properties["keys"], &js.Keys); err != nil {
		t.Fatalf("sessions.schema.json: keys: %v", err)
	}
	return js
}

// sortedKeys returns the keys of m, sorted.
func sortedKeys[V any](m map[string]V) []string {
	var keys []string
	for k := range m {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	return keys
}

// TestJSONSchemaFields checks that the JSON Schema lists the fields the
// reader accepts, no more and no fewer.
func TestJSONSchemaFields(t *testing.T) {
	js := readJSONSchema(t)
	if got, want := sortedKeys(js.Properties), slices.Sorted(slices.Values(SchemaFields)); !slices.Equal(got, want) {
		t.Errorf("JSON Schema top-level fields = %v, reader accepts %v", got, want)
	}
	keyProps := js.Keys.AdditionalProperties.Properties
	if got, want := sortedKeys(keyProps), slices.Sorted(slices.Values(KeyFields)); !slices.Equal(got, want) {
		t.Errorf("JSON Schema key fields = %v, reader accepts %v", got, want)
	}
}

// TestJSONSchemaPatterns checks the JSON Schema's patterns for key names
// and types against the reader on examples of both.
func TestJSONSchemaPatterns(t *testing.T) {
	js := readJSONSchema(t)
	name := regexp.MustCompile(js.Keys.PropertyNames.Pattern)
	for _, key := range []string{"user_id", "x", "cart_items", "step_2", "_expiry", "CartItems", "a__b", "a_", "1a"} {
		want := snakeCase.MatchString(key)
		if got := name.MatchString(key); got != want {
			t.Errorf("JSON Schema key pattern matches %q: %v, reader accepts it: %v", key, got, want)
		}
	}
	typ := regexp.MustCompile(js.Keys.AdditionalProperties.Properties["type"].Pattern)
	for _, s := range []string{
		"bool", "string", "int", "int8", "uint64", "byte", "rune", "float32", "float64",
		"time.Time", "time.Duration", "[]int64", "[][]string", "map[string]int", "map[string][]bool",
		"[]map[string]example.com/shop/model.Prefs", "example.com/shop/model.Prefs", "gopkg.in/yaml.v3.Node",
		"int65", "[]", "map[int]string", "*int", "model.prefs", "example.com/shop/model", "any", "",
	} {
		_, err := ParseType(s)
		if got, want := typ.MatchString(s), err == nil; got != want {
			t.Errorf("JSON Schema type pattern matches %q: %v, reader accepts it: %v", s, got, want)
		}
	}
}

// TestJSONSchemaTypeTable checks that the JSON Schema's type pattern and
// the reader accept exactly the predeclared types of the table gotype,
// alone and in slices and maps: every one of them, and no other predeclared
// identifier of Go nor integer or float of another size. Both accept the
// table's named types too.
func TestJSONSchemaTypeTable(t *testing.T) {
	typ := regexp.MustCompile(readJSONSchema(t).Keys.AdditionalProperties.Properties["type"].Pattern)
	inTable := map[string]bool{}
	candidates := types.Universe.Names()
	for _, e := range gotype.All() {
		inTable[e.String()] = true
		candidates = append(candidates, e.String())
	}
	for bits := 1; bits <= 128; bits++ {
		for _, kind := range []string{"int", "uint", "float", "complex"} {
			candidates = append(candidates, fmt.Sprint(kind, bits))
		}
	}
	slices.Sort(candidates)
	for _, name := range slices.Compact(candidates) {
		for _, s := range []string{name, "[]" + name, "map[string]" + name} {
			if got := typ.MatchString(s); got != inTable[name] {
				t.Errorf("JSON Schema type pattern matches %q: %v, the table has %s: %v", s, got, name, inTable[name])
			}
			if _, err := ParseType(s); (err == nil) != inTable[name] {
				t.Errorf("ParseType(%q) = %v, the table has %s: %v", s, err, name, inTable[name])
			}
		}
	}
}

// jsonUser is the JSON Schema's user object.
type jsonUser struct {
	Properties           map[string]json.RawMessage `json:"properties"`
	AdditionalProperties bool                       `json:"additionalProperties"`
	Required             []string                   `json:"required"`
}

// jsonUserType is the type field of the JSON Schema's user object.
type jsonUserType struct {
	Pattern string `json:"pattern"`
	Not     struct {
		Const string `json:"const"`
	} `json:"not"`
}

// TestJSONSchemaUserType checks the JSON Schema's user object against the
// reader: its fields, and its type pattern, with the excluded type, on
// examples and on every type of the table gotype, alone and in slices and
// maps.
func TestJSONSchemaUserType(t *testing.T) {
	var u jsonUser
	var typ jsonUserType
	if err := json.Unmarshal(readJSONSchema(t).Properties["user"], &u); err != nil {
		t.Fatalf("sessions.schema.json: user: %v", err)
	}
	if err := json.Unmarshal(u.Properties["type"], &typ); err != nil {
		t.Fatalf("sessions.schema.json: user: type: %v", err)
	}
	fields, want := sortedKeys(u.Properties), slices.Sorted(slices.Values(UserFields))
	if !slices.Equal(fields, want) || !slices.Equal(u.Required, []string{"type"}) || u.AdditionalProperties {
		t.Errorf("JSON Schema user fields = %v (required %v, others allowed %v), reader accepts %v and requires type",
			fields, u.Required, u.AdditionalProperties, want)
	}
	pattern := regexp.MustCompile(typ.Pattern)
	matches := func(s string) bool { return pattern.MatchString(s) && s != typ.Not.Const }
	candidates := []string{
		"example.com/shop/model.UserID", "gopkg.in/yaml.v3.Node", "time.Month",
		"int65", "*int64", "any", "", "model.userID", "example.com/shop/model",
	}
	for _, e := range gotype.All() {
		candidates = append(candidates, e.String(), "[]"+e.String(), "map[string]"+e.String())
	}
	for _, s := range candidates {
		_, err := userTypeOf(s)
		if got, want := matches(s), err == nil; got != want {
			t.Errorf("JSON Schema user type matches %q: %v, reader accepts it: %v (%v)", s, got, want, err)
		}
	}
}

// userTypeOf reads s as a user type, as Read does.
func userTypeOf(s string) (*Type, error) {
	t, err := ParseType(s)
	if err != nil {
		return nil, err
	}
	return t, checkUserType(t)
}

// jsonTTL is the ttl field of a key in the JSON Schema.
type jsonTTL struct {
	Pattern string `json:"pattern"`
	Not     struct {
		Pattern string `json:"pattern"`
	} `json:"not"`
}

// TestJSONSchemaPolicies checks the JSON Schema's ttl pattern and
// on_sign_in values against the reader, on examples of both.
func TestJSONSchemaPolicies(t *testing.T) {
	var keys struct {
		AdditionalProperties struct {
			Properties struct {
				TTL      jsonTTL `json:"ttl"`
				OnSignIn struct {
					Enum []string `json:"enum"`
				} `json:"on_sign_in"`
			} `json:"properties"`
		} `json:"additionalProperties"`
	}
	if err := json.Unmarshal(readJSONSchema(t).Properties["keys"], &keys); err != nil {
		t.Fatal(err)
	}
	props := keys.AdditionalProperties.Properties
	pattern, zero := regexp.MustCompile(props.TTL.Pattern), regexp.MustCompile(props.TTL.Not.Pattern)
	reads := func(field, value string) bool {
		_, err := Read("s.yaml", []byte(fmt.Sprintf("keys:\n  a:\n    type: int\n    %s: %q\n", field, value)))
		return err == nil
	}
	for _, s := range []string{
		"10m", "1h30m", "90s", "1.5h", ".5s", "5.s", "+10m", "1µs", "1μs", "1us", "300ms", "2h45m30.5s", "0.001s",
		"0s", "0", "00m", "0.0s", ".0h", "0h0m", "-10m", "10", "1d", "", "m", ".s", "10 m", "ten minutes",
	} {
		if got, want := pattern.MatchString(s) && !zero.MatchString(s), reads("ttl", s); got != want {
			t.Errorf("JSON Schema ttl accepts %q: %v, reader accepts it: %v", s, got, want)
		}
	}
	for _, s := range []string{"keep", "drop", "Drop", "remove", ""} {
		if got, want := slices.Contains(props.OnSignIn.Enum, s), reads("on_sign_in", s); got != want {
			t.Errorf("JSON Schema on_sign_in accepts %q: %v, reader accepts it: %v", s, got, want)
		}
	}
}
