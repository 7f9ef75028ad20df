package filestore

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"time"

	"github.com/sessiongen/sessiongen/runtime"
)

// lockDir is the subdirectory of the session directory that holds the
// lock files.
const lockDir = ".locks"

// stripes is how many lock files guard the sessions of a directory. A
// session's is the stripe named by the first byte of its token hash, in
// hexadecimal ("00" to "ff").
const stripes = 256

// cycleLock is the lock file that Cycle holds shared and
// DeleteUserSessions exclusive, so that no session of a user moves to a
// new hash while "sign out everywhere" looks for them. cycleGate is held
// exclusive by each while it takes cycleLock, so that one waiting for
// the exclusive lock keeps new shared holders out instead of waiting for
// a moment when there are none, which may never come.
const (
	cycleLock = "cycle"
	cycleGate = "cycle-gate"
)

// Waiting for a lock another process holds polls, from minWait doubling
// up to maxWait between attempts, so that the wait ends with the
// context.
const (
	minWait = 50 * time.Microsecond
	maxWait = 5 * time.Millisecond
)

// stripeNames are the lock files' names, by stripe.
var stripeNames = func() (names [stripes]string) {
	for i := range names {
		names[i] = fmt.Sprintf("%02x", i)
	}
	return names
}()

// locks are the locks of one session directory: for each stripe, an
// in-process semaphore, so that at most one goroutine of a Store waits
// on the stripe's file, and the file's flock(2) lock, which excludes
// every other holder, in this process or another.
type locks struct {
	dir  string // the lock files' directory
	sems [stripes]chan struct{}
}

func newLocks(dir string) *locks {
	l := &locks{dir: dir}
	for i := range l.sems {
		l.sems[i] = make(chan struct{}, 1)
	}
	return l
}

// held is the stripes a caller holds: one or two.
type held struct {
	l     *locks
	n     int
	index [2]byte
	files [2]*os.File
}

// unlock releases the stripes, in the reverse order of taking them.
func (h *held) unlock() {
	for i := h.n - 1; i >= 0; i-- {
		_ = h.files[i].Close() // closing the file releases its flock
		<-h.l.sems[h.index[i]]
	}
	h.n = 0
}

// lock takes the stripes of a and b (one stripe when they share it), in
// stripe order, so that two callers never wait on each other. It gives up
// when ctx is done.
func (l *locks) lock(ctx context.Context, a, b runtime.TokenHash) (held, error) {
	h := held{l: l}
	first, second := min(a[0], b[0]), max(a[0], b[0])
	for _, i := range [2]byte{first, second} {
		if h.n == 1 && i == first {
			break // a and b share the stripe
		}
		f, err := l.lockStripe(ctx, i)
		if err != nil {
			h.unlock()
			return held{}, err
		}
		h.index[h.n], h.files[h.n] = i, f
		h.n++
	}
	return h, nil
}

// lockStripe takes stripe i: its semaphore, then its file's exclusive
// lock, which it returns.
func (l *locks) lockStripe(ctx context.Context, i byte) (*os.File, error) {
	select {
	case l.sems[i] <- struct{}{}:
	case <-ctx.Done():
		return nil, ctx.Err()
	}
	f, err := flock(ctx, filepath.Join(l.dir, stripeNames[i]), true)
	if err != nil {
		<-l.sems[i]
		return nil, err
	}
	return f, nil
}

// lockCycles takes the cycle lock, shared or exclusive, and returns the
// function that releases it.
func (l *locks) lockCycles(ctx context.Context, exclusive bool) (func(), error) {
	gate, err := flock(ctx, filepath.Join(l.dir, cycleGate), true)
	if err != nil {
		return nil, err
	}
	f, err := flock(ctx, filepath.Join(l.dir, cycleLock), exclusive)
	_ = gate.Close()
	if err != nil {
		return nil, err
	}
	return func() { _ = f.Close() }, nil
}

// flock opens the lock file at path, creating it if need be, and takes
// its flock(2) lock, shared or exclusive, waiting while a conflicting one
// is held, until ctx is done. Closing the returned file releases the
// lock. A lock is held by an open file, not by a process or a thread, so
// two goroutines of one process that open the file each exclude each
// other too.
func flock(ctx context.Context, path string, exclusive bool) (*os.File, error) {
	f, err := os.OpenFile(path, os.O_RDWR|os.O_CREATE, 0o600)
	if err != nil {
		return nil, err
	}
	for wait := minWait; ; wait = min(2*wait, maxWait) {
		ok, err := tryLock(f, exclusive)
		if err != nil {
			_ = f.Close()
			return nil, fmt.Errorf("lock %s: %w", path, err)
		}
		if ok {
			return f, nil
		}
		t := time.NewTimer(wait)
		select {
		case <-ctx.Done():
			t.Stop()
			_ = f.Close()
			return nil, ctx.Err()
		case <-t.C:
		}
	}
}
