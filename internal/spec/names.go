package spec

import (
	"fmt"
	"regexp"

	"github.com/sessiongen/sessiongen/internal/api"
	"github.com/sessiongen/sessiongen/runtime"
	"gopkg.in/yaml.v3"
)

// snakeCase matches a key name: lower-case words of letters and digits,
// the first starting with a letter, joined by single underscores.
var snakeCase = regexp.MustCompile(`^[a-z][a-z0-9]*(_[a-z0-9]+)*$`)

// goName returns the Go name of a valid key name.
func goName(key string) string { return api.GoName(key) }

// keyName checks the name of the key n, recording why it is unusable.
func (r *reader) keyName(n *yaml.Node) bool {
	name := n.Value
	switch {
	case runtime.IsReservedKey(name):
		r.errorf(n, "key %q is reserved: keys starting with _ belong to the runtime", name)
	case !snakeCase.MatchString(name):
		r.errorf(n, "key %q is not snake_case: use lower-case words joined by _, such as cart_items", name)
	default:
		return true
	}
	return false
}

// owner is what a generated name was given to first.
type owner struct {
	key  *Key // nil for names that are not a key's
	role string
}

// describe returns the owner for a message: "the setter of key "x" (line 3)".
func (o owner) describe() string {
	if o.key == nil {
		return o.role
	}
	return fmt.Sprintf("the %s of key %q (line %d)", o.role, o.key.Name, o.key.Pos.Line)
}

// checkNames records keys whose Go name is another key's, and keys whose
// generated methods clash with a lifecycle method, a generated top-level
// name, a standard interface method or another key's method.
func (r *reader) checkNames(s *Schema) {
	taken := map[string]owner{}
	for _, name := range api.Lifecycle {
		taken[name] = owner{role: "the lifecycle method " + name}
	}
	for _, name := range api.TopLevel {
		taken[name] = owner{role: "the generated top-level " + name}
	}
	if s.User != nil {
		for _, name := range api.UserTopLevel {
			taken[name] = owner{role: "the generated top-level " + name + " of the user block"}
		}
	}
	for _, name := range api.InterfaceMethods {
		taken[name] = owner{role: "the standard interface method " + name}
	}
	goNames := map[string]*Key{}
	for _, k := range s.Keys {
		if first, ok := goNames[k.GoName]; ok {
			r.errorAt(k.Pos, "key %q has the Go name %s, as has key %q (line %d)", k.Name, k.GoName, first.Name, first.Pos.Line)
			continue
		}
		goNames[k.GoName] = k
		for _, m := range api.KeyMethods(k.GoName, k.Flash) {
			if o, ok := taken[m.Name]; ok {
				r.errorAt(k.Pos, "key %q would generate %s, which clashes with %s", k.Name, m.Name, o.describe())
				break
			}
		}
		for _, m := range api.KeyMethods(k.GoName, k.Flash) {
			if _, ok := taken[m.Name]; !ok {
				taken[m.Name] = owner{key: k, role: m.Role.String()}
			}
		}
	}
}
