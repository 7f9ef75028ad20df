package memstore

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"sync"
	"time"

	"github.com/sessiongen/sessiongen/internal/storedata"
	"github.com/sessiongen/sessiongen/runtime"
)

// errLiveSession is reported by Create and Cycle when a live session
// already holds the hash they would write.
var errLiveSession = errors.New("a live session already has this token hash")

// Store is a runtime.Store in memory. It is safe for concurrent use. The
// zero value is not usable; call New.
type Store struct {
	now func() time.Time

	mu       sync.Mutex
	sessions map[runtime.TokenHash]session

	bus bus // the event bus: Publish and Subscribe
}

// session is one stored session. Its data is never shared with a caller.
type session struct {
	data                 map[string]json.RawMessage
	expiresAt            time.Time
	userID, userAgent    string
	createdAt, updatedAt time.Time
}

// record returns a copy of sess for a caller.
func (sess session) record() runtime.Record {
	return runtime.Record{
		Data:      cloneData(sess.data),
		ExpiresAt: sess.expiresAt,
		UserID:    sess.userID,
		UserAgent: sess.userAgent,
		CreatedAt: sess.createdAt,
		UpdatedAt: sess.updatedAt,
	}
}

var (
	_ runtime.AdminStore = (*Store)(nil)
	_ runtime.KeyDeleter = (*Store)(nil)
)

// Option configures a Store.
type Option func(*Store)

// WithClock makes the store read the time from now, to decide which
// sessions have expired, instead of from time.Now. Tests use it to expire
// sessions without waiting.
func WithClock(now func() time.Time) Option { return func(s *Store) { s.now = now } }

// New returns an empty store.
func New(opts ...Option) *Store {
	s := &Store{now: time.Now, sessions: map[runtime.TokenHash]session{}}
	for _, o := range opts {
		o(s)
	}
	return s
}

// live returns the unexpired session under h. The caller holds mu.
func (s *Store) live(h runtime.TokenHash) (session, bool) {
	sess, ok := s.sessions[h]
	if !ok || !sess.expiresAt.After(s.now()) {
		return session{}, false
	}
	return sess, true
}

// Load returns a copy of the live session stored under h, or
// runtime.ErrNotFound if there is none or it has expired.
func (s *Store) Load(ctx context.Context, h runtime.TokenHash) (runtime.Record, error) {
	if err := ctx.Err(); err != nil {
		return runtime.Record{}, fmt.Errorf("memstore: load session: %w", err)
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	sess, ok := s.live(h)
	if !ok {
		return runtime.Record{}, runtime.ErrNotFound
	}
	return sess.record(), nil
}

// Create stores a copy of rec under h. It replaces an expired session
// under h, and fails if a live one holds it. Each value of rec.Data must
// be valid JSON.
func (s *Store) Create(ctx context.Context, h runtime.TokenHash, rec runtime.Record) error {
	if err := ctx.Err(); err != nil {
		return fmt.Errorf("memstore: create session: %w", err)
	}
	own, err := storedata.CompactAll(rec.Data)
	if err != nil {
		return fmt.Errorf("memstore: create session: %w", err)
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if _, ok := s.live(h); ok {
		return fmt.Errorf("memstore: create session: %w", errLiveSession)
	}
	now := storedTime(s.now())
	s.sessions[h] = session{
		data: own, expiresAt: storedTime(rec.ExpiresAt), userID: rec.UserID, userAgent: rec.UserAgent,
		createdAt: now, updatedAt: now,
	}
	return nil
}

// Update applies c to the live session under h: the stored data becomes
// (data - c.Delete) || c.Set, if c.Expect and c.MaxSize hold. It returns
// runtime.ErrNotFound, writing nothing, when there is no live session
// under h, and an error wrapping runtime.ErrConflict or
// runtime.ErrTooLarge, writing nothing, when c.Expect or c.MaxSize does
// not hold. A bind with c.MaxUserSessions and the deletion of the user's
// sessions beyond it are one hold of the store's lock.
func (s *Store) Update(ctx context.Context, h runtime.TokenHash, c runtime.Change) error {
	var ended []runtime.TokenHash
	err := s.change(ctx, "update session", h, c, func(next session) error {
		s.sessions[h] = next
		ended = s.endOthers(h, next, c)
		return nil
	})
	return reportEnded(err, c, ended)
}

// Cycle moves the live session under from to to, applying c as Update
// does, as one step. It returns runtime.ErrNotFound, runtime.ErrConflict
// or runtime.ErrTooLarge as Update does, writing nothing, and an error
// when a live session holds to.
func (s *Store) Cycle(ctx context.Context, from, to runtime.TokenHash, c runtime.Change) error {
	var ended []runtime.TokenHash
	err := s.change(ctx, "cycle session", from, c, func(next session) error {
		if _, taken := s.live(to); taken && to != from {
			return fmt.Errorf("memstore: cycle session: %w", errLiveSession)
		}
		delete(s.sessions, from)
		s.sessions[to] = next
		ended = s.endOthers(to, next, c)
		return nil
	})
	return reportEnded(err, c, ended)
}

// change applies c to the live session under h, for the operation op of
// Update or Cycle, and hands the result to store, which keeps it, all
// under one hold of the lock; a c.Expect that does not hold is settled by
// c.Rebase when c has one. It returns runtime.ErrNotFound when there is
// no live session under h, and an error wrapping runtime.ErrConflict or
// runtime.ErrTooLarge when c.Expect or c.MaxSize does not hold, without
// calling store.
func (s *Store) change(ctx context.Context, op string, h runtime.TokenHash, c runtime.Change, store func(next session) error) error {
	if err := ctx.Err(); err != nil {
		return fmt.Errorf("memstore: %s: %w", op, err)
	}
	set, err := copyChange(c)
	if err != nil {
		return fmt.Errorf("memstore: %s: %w", op, err)
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	sess, ok := s.live(h)
	if !ok {
		return runtime.ErrNotFound
	}
	if c.Rebase != nil && !storedata.ExpectHolds(sess.data, c.Expect) {
		// Settled here, under the lock, so a compare-and-set on a session
		// that many requests update at once still lands.
		if c, err = c.Rebase(sess.record()); err != nil {
			return fmt.Errorf("memstore: %s: %w", op, err)
		}
		if set, err = copyChange(c); err != nil {
			return fmt.Errorf("memstore: %s: %w", op, err)
		}
	}
	next := apply(sess, set, c, s.now())
	if err := admit(sess.data, next.data, c); err != nil {
		return fmt.Errorf("memstore: %s: %w", op, err)
	}
	return store(next)
}

// copyChange returns a copy of c.Set, as storedata.CompactAll does, after
// checking c.Expect. It runs before the lock is taken.
func copyChange(c runtime.Change) (map[string]json.RawMessage, error) {
	if err := storedata.CheckExpect(c.Expect); err != nil {
		return nil, err
	}
	return storedata.CompactAll(c.Set)
}

// Delete removes the session under h, live or expired. Deleting a missing
// session is not an error.
func (s *Store) Delete(ctx context.Context, h runtime.TokenHash) error {
	if err := ctx.Err(); err != nil {
		return fmt.Errorf("memstore: delete session: %w", err)
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	delete(s.sessions, h)
	return nil
}

// DeleteExpired removes expired sessions from memory, at most batchSize
// under one hold of the lock (runtime.DefaultBatchSize when batchSize <=
// 0), so other requests are served between batches, and returns how many
// it removed.
func (s *Store) DeleteExpired(ctx context.Context, batchSize int) (int64, error) {
	batchSize = batchOf(batchSize)
	var total int64
	for {
		if err := ctx.Err(); err != nil {
			return total, fmt.Errorf("memstore: delete expired sessions: %w", err)
		}
		hs := s.deleteExpiredBatch(batchSize)
		total += int64(len(hs))
		s.bus.ended(hs, "", runtime.EndExpired, s.now())
		if len(hs) < batchSize {
			return total, nil
		}
	}
}

// deleteExpiredBatch removes at most batchSize expired sessions, and
// returns their hashes.
func (s *Store) deleteExpiredBatch(batchSize int) []runtime.TokenHash {
	s.mu.Lock()
	defer s.mu.Unlock()
	var hs []runtime.TokenHash
	for h := range s.sessions {
		if len(hs) == batchSize {
			break
		}
		if sess, ok := s.sessions[h]; ok && !sess.expiresAt.After(s.now()) {
			delete(s.sessions, h)
			hs = append(hs, h)
		}
	}
	return hs
}

// batchOf returns the batch size n stands for: runtime.DefaultBatchSize
// when n <= 0.
func batchOf(n int) int {
	if n <= 0 {
		return runtime.DefaultBatchSize
	}
	return n
}

// Len returns the number of live sessions.
func (s *Store) Len() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	n := 0
	for h := range s.sessions {
		if _, ok := s.live(h); ok {
			n++
		}
	}
	return n
}
