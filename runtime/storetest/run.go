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

// tests lists the suite, one group per file.
func tests() []test {
	var all []test
	for _, group := range [][]test{loadTests, createTests, updateTests, cycleTests, expectTests, sizeTests, invalidTests, deleteTests, concurrencyTests, metaTests, userTests} {
		all = append(all, group...)
	}
	return all
}

// Run runs the conformance suite against the stores that newStore returns,
// each check as a parallel subtest of t. It calls newStore once per
// subtest, with that subtest's t; it may return a fresh store each time or
// one shared store, since the checks use random token hashes and never
// assume the store is empty.
func Run(t *testing.T, newStore func(t *testing.T) runtime.Store) {
	t.Helper()
	for _, tt := range tests() {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			tt.run(t, newStore(t))
		})
	}
}
