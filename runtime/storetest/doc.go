// Package storetest checks that a runtime.Store keeps the contract the
// middleware relies on, as testing/fstest does for file systems.
//
// A store's tests call Run with a function that returns the store under
// test:
//
//	func TestConformance(t *testing.T) {
//		storetest.Run(t, func(t *testing.T) runtime.Store { return memstore.New() })
//	}
//
// The suite covers loading, creating, per-key updates, key cycling,
// deletion and expiry, the rule that a missing or expired session is
// runtime.ErrNotFound and nothing else is, conditional writes (a Change's
// Expect, and runtime.ErrConflict), changes made against a version (a
// Change's Version and Data, which a versioning store may write whole:
// the result must still be the per-key write, after concurrent writes
// too), the size bound (its MaxSize, and runtime.ErrTooLarge), the values every store refuses alike
// (runtime.ErrInvalidValue), concurrent writers, and the independence of
// the data a store returns from the data it keeps; and, for a store that
// has them, the optional abilities that package runtime declares beside
// Store: runtime.UserStore (a user's sessions, and which ones a deletion
// removed) and the batch sizes of runtime.ExpiredDeleter and
// runtime.KeyDeleter. Values are compared as JSON, and expiry times to the
// microsecond, the precision of PostgreSQL.
package storetest
