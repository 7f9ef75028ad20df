package storetest

import (
	"testing"

	"github.com/sessiongen/sessiongen/runtime"
)

// test is one check of the suite.
type test struct {
	name string
	run  func(t *testing.T, s runtime.Store)
}

// tests lists the parallel checks of the suite, one group per file.
func tests() []test {
	var all []test
	for _, group := range [][]test{loadTests, createTests, updateTests, cycleTests, expectTests, sizeTests, invalidTests, deleteTests, concurrencyTests, versionTests, metaTests, userTests, userLimitTests} {
		all = append(all, group...)
	}
	return all
}

// Run runs the conformance suite against the stores that newStore returns,
// each check as a subtest of t. It calls newStore once per subtest, with
// that subtest's t; it may return a fresh store each time or one shared
// store, since the checks use random token hashes and never assume the
// store is empty.
//
// Beside runtime.Store's contract, Run checks each optional ability that
// package runtime declares and the store has: runtime.UserStore, and the
// rule for batch sizes of runtime.ExpiredDeleter and runtime.KeyDeleter
// (zero or less means runtime.DefaultBatchSize). The checks of the
// batched deletions run first, one at a time, since DeleteExpired counts
// every expired session in the store; the others then run in parallel. A
// store shared with tests outside Run must not get expired sessions from
// them meanwhile.
func Run(t *testing.T, newStore func(t *testing.T) runtime.Store) {
	t.Helper()
	for _, tt := range batchTests {
		t.Run(tt.name, func(t *testing.T) {
			tt.run(t, newStore(t))
		})
	}
	for _, tt := range tests() {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			tt.run(t, newStore(t))
		})
	}
}
