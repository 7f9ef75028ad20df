package spec

import (
	"strings"

	"gopkg.in/yaml.v3"

	"github.com/sessiongen/sessiongen/runtime"
)

// formerNames reads the renamed_from list of the key named key: the key's
// former names, newest first. Each must be usable as a key name, and none
// may repeat or be the key's own name; checkFormerNames compares them with
// the other keys once all are read.
func (r *reader) formerNames(n *yaml.Node, key string) []FormerName {
	if !r.nonEmpty(n, yaml.SequenceNode, "renamed_from must be a list of the key's former names, newest first, such as [cart]",
		"renamed_from is empty: list the key's former names, newest first, or leave it out") {
		return nil
	}
	var names []FormerName
	seen := map[string]int{}
	for _, e := range n.Content {
		if !r.usable(e) {
			continue
		}
		if e.Kind != yaml.ScalarNode || isNull(e) {
			r.errorf(e, "a former name in renamed_from must be a key name, such as cart")
			continue
		}
		name := e.Value
		switch {
		case name == key:
			r.errorf(e, "key %q cannot be renamed from itself", key)
		case runtime.IsReservedKey(name):
			r.errorf(e, "former name %q is reserved: keys starting with _ belong to the runtime", name)
		case !snakeCase.MatchString(name):
			r.errorf(e, "former name %q is not snake_case: use lower-case words joined by _, such as cart_items", name)
		default:
			if line, dup := seen[name]; dup {
				r.errorf(e, "former name %q is listed twice (first at line %d)", name, line)
				continue
			}
			seen[name] = e.Line
			names = append(names, FormerName{Name: name, Pos: r.pos(e)})
		}
	}
	return names
}

// checkFormerNames records former names that are a current key's name, and
// former names listed under two keys: a stored value moves to one key.
func (r *reader) checkFormerNames(s *Schema) {
	keys := map[string]*Key{}
	for _, k := range s.Keys {
		keys[k.Name] = k
	}
	owners := map[string]*Key{}
	for _, k := range s.Keys {
		for _, f := range k.RenamedFrom {
			if other, ok := keys[f.Name]; ok {
				r.errorAt(f.Pos, "former name %q of key %q is still a key (line %d): remove it from renamed_from, or rename that key",
					f.Name, k.Name, other.Pos.Line)
				continue
			}
			if first, ok := owners[f.Name]; ok {
				r.errorAt(f.Pos, "former name %q of key %q is also a former name of key %q (line %d): a stored value can move to one key only",
					f.Name, k.Name, first.Name, first.Pos.Line)
				continue
			}
			owners[f.Name] = k
		}
	}
}

// deprecation reads the deprecated field: why the key should no longer be
// used, as one paragraph.
func (r *reader) deprecation(n *yaml.Node) string {
	if !r.usable(n) {
		return ""
	}
	if n.Kind != yaml.ScalarNode || n.ShortTag() != "!!str" {
		r.errorf(n, "deprecated must be a string: the reason, such as \"use cart instead\"")
		return ""
	}
	reason := strings.Join(strings.Fields(n.Value), " ")
	if reason == "" {
		r.errorf(n, "deprecated needs a reason, such as \"use cart instead\"")
	}
	return reason
}
