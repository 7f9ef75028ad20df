package breaking

import (
	"cmp"
	"fmt"
	"slices"
	"strconv"
	"strings"

	"github.com/sessiongen/sessiongen/internal/spec"
)

// Severity is how much a change matters to stored values.
type Severity int

// The severities.
const (
	// Warning: stored values are kept, but read differently, such as a
	// default that changes.
	Warning Severity = iota
	// Breaking: stored values are lost or hidden.
	Breaking
)

// String returns "warning" or "breaking".
func (s Severity) String() string {
	if s == Breaking {
		return "breaking"
	}
	return "warning"
}

// Change is one difference between two schemas that matters to stored
// values.
type Change struct {
	// Pos is where the change is: in the new schema, or in the old one
	// for what the new schema no longer has.
	Pos spec.Pos
	// Severity says whether stored values are lost or hidden.
	Severity Severity
	// Key is the stored key name the change is about: the key whose
	// values are lost or read differently, or UserKey for a change of the
	// user type. It is the name a team lists to acknowledge the change.
	Key string
	// Msg describes the change and its effect.
	Msg string
}

// String returns "file:line:col: severity: message".
func (c Change) String() string { return fmt.Sprintf("%s: %s: %s", c.Pos, c.Severity, c.Msg) }

// Compare returns the changes from the schema old to the schema new that
// matter to values stored under old: those in new's file first, then those
// in old's, each by position. Adding a key, deprecating one, taking out or
// lengthening a ttl, and changes of doc or package are not reported. A change of the user type is
// reported when some ids stored as text under the old type do not parse as
// the new one (see ConvertUser).
func Compare(old, new *spec.Schema) []Change {
	c := &comparison{old: old, new: new, newKeys: map[string]*spec.Key{}, successors: map[string]*spec.Key{}}
	oldKeys := map[string]*spec.Key{}
	for _, k := range old.Keys {
		oldKeys[k.Name] = k
	}
	for _, k := range new.Keys {
		c.newKeys[k.Name] = k
		for _, f := range k.RenamedFrom {
			c.successors[f.Name] = k
		}
	}
	for _, k := range new.Keys {
		if oldKeys[k.Name] == nil {
			c.added = append(c.added, k)
		}
	}
	for _, ok := range old.Keys {
		switch {
		case c.newKeys[ok.Name] != nil:
			c.compareKey(ok, c.newKeys[ok.Name], false)
		case c.successors[ok.Name] != nil:
			c.compareKey(ok, c.successors[ok.Name], true)
		default:
			c.removed(ok)
		}
	}
	for _, ok := range old.Keys {
		for _, f := range ok.RenamedFrom {
			if c.newKeys[f.Name] == nil && c.successors[f.Name] == nil {
				c.add(f.Pos, Breaking, f.Name, "key %q no longer lists its former name %q: values still stored under %s, "+
					"in sessions that have not read %s since the rename, are lost", ok.Name, f.Name, f.Name, ok.Name)
			}
		}
	}
	c.compareUser()
	slices.SortStableFunc(c.changes, func(a, b Change) int {
		return cmp.Or(
			cmp.Compare(fileOrder(a.Pos, new), fileOrder(b.Pos, new)),
			cmp.Compare(a.Pos.Line, b.Pos.Line),
			cmp.Compare(a.Pos.Col, b.Pos.Col),
		)
	})
	return c.changes
}

// fileOrder sorts positions in the new schema before those in the old.
func fileOrder(p spec.Pos, new *spec.Schema) int {
	if p.File == new.File {
		return 0
	}
	return 1
}

// comparison is the state of one Compare.
type comparison struct {
	old, new   *spec.Schema
	newKeys    map[string]*spec.Key // by name
	successors map[string]*spec.Key // by former name
	added      []*spec.Key          // keys of new that old does not have
	changes    []Change
}

// add records a change.
func (c *comparison) add(p spec.Pos, s Severity, key, format string, args ...any) {
	c.changes = append(c.changes, Change{Pos: p, Severity: s, Key: key, Msg: fmt.Sprintf(format, args...)})
}

// compareKey compares the declarations of a key in old and new; renamed
// says that nk reads ok's values through renamed_from.
func (c *comparison) compareKey(ok, nk *spec.Key, renamed bool) {
	name := fmt.Sprintf("key %q", nk.Name)
	if renamed {
		name = fmt.Sprintf("key %q (renamed from %q)", nk.Name, ok.Name)
	}
	switch v, why := Convert(ok.Type, nk.Type); v {
	case Lossy:
		c.add(nk.PosOf("type"), Warning, nk.Name, "%s changes type from %s to %s: %s", name, ok.Type, nk.Type, why)
	case Incompatible:
		c.add(nk.PosOf("type"), Breaking, nk.Name, "%s changes type from %s to %s: %s",
			name, ok.Type, nk.Type, why)
	}
	switch {
	case nk.Flash && !ok.Flash:
		c.add(nk.PosOf("flash"), Breaking, nk.Name, "%s becomes a flash key: a stored value meant to last is removed "+
			"the first time Pop%s reads it", name, nk.GoName)
	case ok.Flash && !nk.Flash:
		c.add(nk.PosOf("flash"), Breaking, nk.Name, "%s is no longer a flash key: a pending flash value, meant to be "+
			"read once, is no longer removed when read", name)
	}
	c.compareDefaults(ok, nk, name)
	c.comparePolicies(ok, nk, name)
	if ok.Sensitive && !nk.Sensitive {
		c.add(nk.PosOf("sensitive"), Warning, nk.Name, "%s is no longer sensitive: the admin page and logs show its stored values", name)
	}
}

// compareDefaults warns when the value that sessions without the key read
// changes.
func (c *comparison) compareDefaults(ok, nk *spec.Key, name string) {
	od, nd := defaultText(ok), defaultText(nk)
	if od == nd {
		return
	}
	pos := nk.PosOf("default")
	switch {
	case ok.Default == nil:
		c.add(pos, Warning, nk.Name, "%s gets the default %s: sessions that never set it read %s instead of %s",
			name, nd, nd, od)
	case nk.Default == nil:
		c.add(pos, Warning, nk.Name, "%s loses its default %s: sessions that never set it read %s instead",
			name, od, nd)
	default:
		c.add(pos, Warning, nk.Name, "%s changes its default from %s to %s: sessions that never set it read the new one",
			name, od, nd)
	}
}

// removed reports a key of old that new neither declares nor reads
// through renamed_from. An added key of the same type is likely its new
// name.
func (c *comparison) removed(ok *spec.Key) {
	var like []*spec.Key
	for _, nk := range c.added {
		if same(nk.Type, ok.Type) {
			like = append(like, nk)
		}
	}
	if len(like) == 0 {
		c.add(ok.Pos, Breaking, ok.Name, "key %q is removed: values stored under it are no longer read; "+
			"if it was renamed, list it in the new key's renamed_from", ok.Name)
		return
	}
	names := make([]string, len(like))
	for i, k := range like {
		names[i] = strconv.Quote(k.Name)
	}
	if len(like) == 1 {
		c.add(like[0].Pos, Breaking, ok.Name, "key %s is added and key %q (%s) of the same type %s removed: "+
			"if it is a rename, say so with renamed_from: [%s]; without it, values stored under %s are lost",
			names[0], ok.Name, ok.Pos, ok.Type, ok.Name, ok.Name)
		return
	}
	c.add(like[0].Pos, Breaking, ok.Name, "keys %s are added and key %q (%s) of the same type %s removed: "+
		"if one of them is a rename, give it renamed_from: [%s]; without it, values stored under %s are lost",
		strings.Join(names[:len(names)-1], ", ")+" and "+names[len(names)-1], ok.Name, ok.Pos, ok.Type, ok.Name, ok.Name)
}

// defaultText returns k's default as a schema writes it, or, without one,
// the zero value its getter returns.
func defaultText(k *spec.Key) string {
	if k.Default == nil {
		return "the zero value"
	}
	return k.Default.Text(k.Type)
}
