package redisstore_test

import (
	"testing"

	"github.com/sessiongen/sessiongen/internal/coherence"
)

// The coherence tests drive application instances over one Redis (see
// instances_test.go) and count what a deployment must never see: a write
// acknowledged by one instance and not seen by another, an acknowledged
// write undone, a session served after its deletion or its move, a session
// that vanishes. Every count must be 0.

// startTwo starts the two instances of a coherence test.
func startTwo(t *testing.T) *coherence.Deployment { return newCluster(t, 2).Deployment }

// TestWritesSeenByTheOtherInstance runs coherence.WritesSeen: writes
// through one instance or the other, each followed by parallel reads
// through the writer and a read through the other instance, which must all
// see it, and strictly sequential writes alternating between the
// instances, which must lose none.
func TestWritesSeenByTheOtherInstance(t *testing.T) {
	t.Parallel()
	coherence.WritesSeen(t, startTwo)
}

// TestCoherenceUnderLoad runs coherence.UnderLoad on two instances: reads,
// per-key read-modify-writes, CycleKey, SignIn, Flush and "sign out
// everywhere", with no stale read, no lost write, no session served after
// its deletion or move, and none that goes missing.
func TestCoherenceUnderLoad(t *testing.T) {
	t.Parallel()
	coherence.UnderLoad(t, startTwo)
}
