package breaking

import (
	"fmt"
	"strings"

	"github.com/sessiongen/sessiongen/internal/gotype"
	"github.com/sessiongen/sessiongen/internal/spec"
)

// UserKey is the Key of a change of the user type, the name that
// acknowledges it: the user id is kept beside the data, under no key, and
// no key may be named so, since names starting with _ are the runtime's.
const UserKey = "_user"

// compareUser reports a change of the type of the user id that SignIn
// binds a session to, which is a string without a user block.
func (c *comparison) compareUser() {
	from, to := c.old.UserType(), c.new.UserType()
	v, why := ConvertUser(from, to)
	if v == Same || v == Safe {
		return
	}
	// A change is to a type other than string, so new has a user block.
	pos := c.new.User.PosOf("type")
	c.add(pos, Breaking, UserKey, "the user id type (%s) changes from %s to %s: %s", UserKey, from, to, why)
}

// ConvertUser says what happens to user ids stored as the text form of type
// from when they are parsed as type to, and why, in a phrase about the
// stored ids. Only Same, Safe and Incompatible are returned: a rounded id
// names another user, so what is lossy for a value breaks an id.
func ConvertUser(from, to *spec.Type) (Verdict, string) {
	if same(from, to) {
		return Same, ""
	}
	fi, _ := from.Info()
	ti, _ := to.Info()
	switch {
	case to.Kind == spec.Basic && ti.Kind == gotype.String:
		return Safe, "" // every text form is a string
	case from.Kind == spec.Named || to.Kind == spec.Named:
		return Incompatible, fmt.Sprintf("sessiongen does not check the text form of a named type: sessions whose "+
			"stored %s id does not parse as %s read as not bound, signing their users out, and an id that parses "+
			"may name another user", from, to)
	case fi.Kind == gotype.String:
		return Incompatible, fmt.Sprintf("stored ids are any string, and sessions whose id does not parse as %s "+
			"read as not bound, signing their users out", to)
	case !isNumber(fi) || !isNumber(ti):
		return Incompatible, fmt.Sprintf("stored %s ids do not parse as %s: their sessions read as not bound, "+
			"signing their users out", from, to)
	}
	switch v, why := convertBasic(from, to); v {
	case Safe:
		return Safe, ""
	case Lossy:
		return Incompatible, fmt.Sprintf("stored ids beyond 2^%d are rounded: their sessions are bound to "+
			"another user", ti.Mantissa)
	default:
		return Incompatible, idPhrase.Replace(why) + ": their sessions read as not bound, signing their users out"
	}
}

// idPhrase turns convertBasic's phrases about stored JSON values into
// phrases about stored ids.
var idPhrase = strings.NewReplacer("stored values", "stored ids", "stored negative values", "stored negative ids",
	"no longer decode and read as unset", "no longer parse")
