package coherence

import (
	"fmt"
	"sync/atomic"
)

// Violation is a kind of incoherence that the checks count.
type Violation int

const (
	Stale       Violation = iota // a read saw less than was acknowledged before it started
	Lost                         // an acknowledged write was undone, or is not stored at the end
	Resurrected                  // a read saw a session deleted (or moved) before it started
	Vanished                     // a read missed a session that nothing was deleting
	Crossed                      // a read saw another session's data
	Failed                       // a request failed
	violations                   // how many kinds there are
)

// Counter counts violations.
type Counter interface {
	// Count counts one violation of kind v.
	Count(v Violation)
}

// Tally is a Counter that keeps a count of each kind; every one must stay
// 0. Its zero value is ready to use, by several goroutines at once.
type Tally struct {
	counts [violations]atomic.Int64
}

// Count counts one violation of kind v.
func (n *Tally) Count(v Violation) { n.counts[v].Add(1) }

// Add counts delta violations of kind v.
func (n *Tally) Add(v Violation, delta int64) { n.counts[v].Add(delta) }

// Get returns the count of kind v.
func (n *Tally) Get(v Violation) int64 { return n.counts[v].Load() }

// String returns every count, named.
func (n *Tally) String() string {
	return Summary(n.Get(Stale), n.Get(Lost), n.Get(Resurrected), n.Get(Vanished), n.Get(Crossed), n.Get(Failed))
}

// Zero reports whether every count is 0.
func (n *Tally) Zero() bool {
	for i := range n.counts {
		if n.counts[i].Load() != 0 {
			return false
		}
	}
	return true
}

// Summary names the counts of stale reads, lost writes, sessions served
// after deletion, vanished sessions, crossed reads and failed requests, as
// Tally.String does.
func Summary(stale, lost, resurrected, vanished, crossed, failed int64) string {
	return fmt.Sprintf("stale reads %d, lost writes %d, served after deletion %d, vanished %d, crossed %d, failed requests %d",
		stale, lost, resurrected, vanished, crossed, failed)
}
