// Package memstore keeps sessions in memory: the store for demos, tests
// and single-process applications that can lose their sessions on restart.
//
//	mgr := runtime.NewManager(memstore.New())
//
// It behaves as package pgstore does, including per-key writes, expiry,
// conditional writes (a Change's Expect), the size bound (its MaxSize),
// counted on values as Load returns them, and the rule for values: only
// JSON, and only what PostgreSQL's jsonb keeps (runtime.CheckStorable), so
// tests run against it show what production will do. Expired sessions behave as absent and stay in memory
// until DeleteExpired removes them.
//
// Beside runtime.Store, a Store has every optional ability that package
// runtime declares, as pgstore's does: runtime.AdminStore (runtime.UserStore,
// runtime.Lister, runtime.ExpiredDeleter) and runtime.KeyDeleter.
package memstore
