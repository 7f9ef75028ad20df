package runtime

import "time"

// WithClock makes the manager read the time from now instead of
// time.Now, for the tests of ttls. The stores keep their own clock, so a
// test moves it forward by less than the cookie age.
func WithClock(now func() time.Time) Option { return func(m *Manager) { m.now = now } }

// NewToken is newToken, for the tests that store sessions directly.
func NewToken() (string, TokenHash) { return newToken() }
