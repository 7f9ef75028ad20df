package runtime

import "time"

// expiryKey is the reserved key (ReservedKeys) under which a session's own
// expiry, set with Session.SetExpiry, is stored.
const expiryKey = "_expiry"

type expiryKind uint8

const (
	expiryDefault expiryKind = iota
	expiryAfter
	expiryAt
	expiryBrowser
)

// Expiry says when a session ends. Build one with ExpireAfter, ExpireAt,
// ExpireAtBrowserClose or ExpireDefault and pass it to Session.SetExpiry.
type Expiry struct {
	kind  expiryKind
	after time.Duration
	at    time.Time
}

// ExpireAfter ends the session d after each save, so it slides forward each
// time the session is saved. Cookies count in whole seconds, so a d under a
// second is rounded up to one; a d of zero or less ends the session at
// once: the save deletes it instead of storing it expired.
func ExpireAfter(d time.Duration) Expiry {
	if d > 0 && d < time.Second {
		d = time.Second
	}
	return Expiry{kind: expiryAfter, after: d}
}

// ExpireAt ends the session at t, however often it is saved. A t less than
// a second ahead ends the session at once, as ExpireAfter(0) does.
func ExpireAt(t time.Time) Expiry { return Expiry{kind: expiryAt, at: t} }

// ExpireAtBrowserClose makes the cookie a browser-session cookie (no
// Max-Age or Expires). The stored session still ends after the manager's
// cookie age, counted from each save.
func ExpireAtBrowserClose() Expiry { return Expiry{kind: expiryBrowser} }

// ExpireDefault returns the session to the manager's settings: the cookie
// age, and the expire-at-browser-close setting.
func ExpireDefault() Expiry { return Expiry{} }

// storedExpiry is the JSON form of an Expiry inside the session data.
type storedExpiry struct {
	Kind    string     `json:"kind"`
	Seconds int64      `json:"seconds,omitempty"`
	At      *time.Time `json:"at,omitempty"`
}

// stored returns the JSON form of e.
func (e Expiry) stored() storedExpiry {
	switch e.kind {
	case expiryAfter:
		return storedExpiry{Kind: "after", Seconds: int64(e.after / time.Second)}
	case expiryAt:
		at := e.at.UTC()
		return storedExpiry{Kind: "at", At: &at}
	case expiryBrowser:
		return storedExpiry{Kind: "browser"}
	default:
		return storedExpiry{Kind: "default"}
	}
}

// expiry returns the Expiry that s stands for; anything unrecognised is the
// default, so a damaged value never ends or extends a session by surprise.
func (s storedExpiry) expiry() Expiry {
	switch {
	case s.Kind == "after":
		return ExpireAfter(time.Duration(s.Seconds) * time.Second)
	case s.Kind == "at" && s.At != nil:
		return ExpireAt(*s.At)
	case s.Kind == "browser":
		return ExpireAtBrowserClose()
	default:
		return ExpireDefault()
	}
}

// age returns how long after now the session ends, by Django's rules: an
// absolute time counts down to it; everything else is the relative age, and
// a browser-session cookie keeps the manager's age for the stored row.
func (e Expiry) age(now time.Time, defaultAge time.Duration) time.Duration {
	switch e.kind {
	case expiryAfter:
		return e.after
	case expiryAt:
		return e.at.Sub(now)
	default:
		return defaultAge
	}
}

// date returns when the session ends if saved at now.
func (e Expiry) date(now time.Time, defaultAge time.Duration) time.Time {
	if e.kind == expiryAt {
		return e.at
	}
	return now.Add(e.age(now, defaultAge))
}

// atBrowserClose reports whether the cookie should be a browser-session
// cookie, given the manager's setting.
func (e Expiry) atBrowserClose(setting bool) bool {
	switch e.kind {
	case expiryBrowser:
		return true
	case expiryDefault:
		return setting
	default:
		return false
	}
}
