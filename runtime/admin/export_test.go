package admin

import "time"

// SetExpiredBudget sets how long "delete all expired" works per request,
// and returns a function that restores it.
func SetExpiredBudget(d time.Duration) (restore func()) {
	old := expiredBudget
	expiredBudget = d
	return func() { expiredBudget = old }
}
