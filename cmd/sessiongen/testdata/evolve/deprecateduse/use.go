// Package deprecateduse calls every method of a deprecated key, for the
// compile test to check that staticcheck flags each call (SA1019).
package deprecateduse

import "example.com/app/after"

// Use calls the methods of the deprecated key legacy.
func Use(sess *after.Session) (string, bool) {
	sess.SetLegacy("x")
	v, ok := sess.LookupLegacy()
	sess.DeleteLegacy()
	return sess.Legacy() + v, ok
}
