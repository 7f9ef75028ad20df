package breaking

import (
	"github.com/sessiongen/sessiongen/internal/spec"
)

// comparePolicies reports the changes of a key's ttl, on_sign_in and
// encrypted that matter to its stored values. A value keeps the deadline it
// was written with, so a ttl taken out or made longer changes nothing
// stored; nor does a key made to keep its value at sign-in, except for
// what it keeps (a warning).
func (c *comparison) comparePolicies(ok, nk *spec.Key, name string) {
	switch {
	case ok.TTL == 0 && nk.TTL > 0:
		c.add(nk.PosOf("ttl"), Warning, nk.Name, "%s gets a ttl of %s: values stored before have no deadline, "+
			"and last until they are set again", name, spec.DurationText(nk.TTL))
	case nk.TTL > 0 && nk.TTL < ok.TTL:
		c.add(nk.PosOf("ttl"), Warning, nk.Name, "%s shortens its ttl from %s to %s: values stored before keep "+
			"their deadline, up to %s after they were set", name, spec.DurationText(ok.TTL), spec.DurationText(nk.TTL), spec.DurationText(ok.TTL))
	}
	switch {
	case nk.DropOnSignIn && !ok.DropOnSignIn:
		c.add(nk.PosOf("on_sign_in"), Warning, nk.Name, "%s is now dropped at sign-in: a session that holds a "+
			"value loses it at its next SignIn or CycleKey, sessions signed in already included", name)
	case ok.DropOnSignIn && !nk.DropOnSignIn:
		c.add(nk.PosOf("on_sign_in"), Warning, nk.Name, "%s is no longer dropped at sign-in: a value set "+
			"before SignIn now stays in the signed-in session", name)
	}
	switch {
	case nk.Encrypted && !ok.Encrypted:
		c.add(nk.PosOf("encrypted"), Breaking, nk.Name, "%s becomes encrypted: its values stored before are "+
			"plaintext, which an encrypted key reads as unset; they stay in the store, and read again once "+
			"sealed: deploy with runtime.WithKeyRing, then run sessiongen reencrypt -f %s at once", name, nk.Pos.File)
	case ok.Encrypted && !nk.Encrypted:
		c.add(nk.PosOf("encrypted"), Breaking, nk.Name, "%s is no longer encrypted: its stored values are "+
			"sealed, which it reads as unset, or as the sealed text itself for a string; to stop encrypting, "+
			"add a key that is not encrypted and retire this one", name)
	}
}
