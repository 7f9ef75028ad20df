package spec

import (
	"strings"
	"time"

	"gopkg.in/yaml.v3"
)

// DurationText returns d as a schema writes it, for messages and comments:
// 10m, 1h30m, 90s rather than time.Duration's 10m0s, 1h30m0s, 1m30s.
func DurationText(d time.Duration) string {
	s := d.String()
	if d%time.Minute == 0 {
		s = strings.TrimSuffix(s, "0s")
	}
	if d%time.Hour == 0 {
		s = strings.TrimSuffix(s, "0m")
	}
	return s
}

// ttl reads the ttl field: a positive Go duration, such as 10m or 1h30m.
func (r *reader) ttl(n *yaml.Node) time.Duration {
	const want = "ttl must be a positive Go duration, such as 10m or 1h30m"
	if !r.usable(n) {
		return 0
	}
	switch {
	case n.Kind != yaml.ScalarNode:
		r.errorf(n, "%s", want)
		return 0
	case n.ShortTag() != "!!str":
		r.errorf(n, "%s, with its unit, not %s", want, n.Value)
		return 0
	}
	d, err := time.ParseDuration(n.Value)
	switch {
	case err != nil:
		r.errorf(n, "%s, not %q", want, n.Value)
	case d <= 0:
		r.errorf(n, "%s: %s would end every value as it is set", want, n.Value)
	default:
		return d
	}
	return 0
}

// onSignIn reads the on_sign_in field, and reports whether it is drop.
func (r *reader) onSignIn(n *yaml.Node) bool {
	if !r.usable(n) {
		return false
	}
	if n.Kind != yaml.ScalarNode || n.Value != "keep" && n.Value != "drop" {
		r.errorf(n, "on_sign_in must be keep (the default: the value stays when the user signs in) or drop (SignIn and CycleKey remove it)")
		return false
	}
	return n.Value == "drop"
}

// checkPolicy records the fields of k that do not go together, and marks
// an encrypted key sensitive.
func (r *reader) checkPolicy(k *Key) {
	if k.Encrypted {
		if _, set := k.FieldPos["sensitive"]; set && !k.Sensitive {
			r.errorAt(k.PosOf("sensitive"), "key %q is encrypted, which makes it sensitive: remove sensitive: false", k.Name)
		}
		k.Sensitive = true
	}
	if len(k.RenamedFrom) == 0 {
		return
	}
	if k.TTL > 0 {
		r.errorAt(k.PosOf("ttl"), "key %q has a ttl and renamed_from: values under a former name have no deadline of the key's; "+
			"declare the new key beside the old one instead, and remove the old one once its values have ended (%s after the last was set)",
			k.Name, DurationText(k.TTL))
	}
	if k.Encrypted {
		r.errorAt(k.PosOf("encrypted"), "key %q is encrypted and has renamed_from: a sealed value is bound to the name of its key, "+
			"so it does not move to another; declare the new key beside the old one instead, and retire the old one", k.Name)
	}
}
