// Package breaking compares two versions of a sessions.yaml schema and
// reports every change that would lose or hide values already stored in
// sessions: a key removed or renamed without renamed_from, a type whose
// stored JSON no longer decodes, flash or encrypted switched on or off.
// Changes that keep values but read them differently, such as a new
// default, a ttl given or shortened, or on_sign_in changed, are warnings.
// A ttl taken out or made longer is not reported: a stored value keeps the
// deadline it was written with.
//
// Sessions outlive deploys: a row written under last week's schema is read
// by today's code. A value that no longer decodes reads as unset, so these
// changes never fail a request; they silently empty a key for every
// visitor. Compare makes them visible before they ship.
package breaking
