package redisstore

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/sessiongen/sessiongen/runtime"
)

// Defaults of the options.
const (
	// DefaultPrefix starts every Redis key the Store writes.
	DefaultPrefix = "sessiongen:"
	// DefaultRetention is how long Redis keeps a session after it
	// expires, unless DeleteExpired removes it first.
	DefaultRetention = 24 * time.Hour
	// MinRetention, given to WithRetention, makes Redis drop each session
	// as soon as it expires, to the millisecond, its precision.
	MinRetention = time.Millisecond
)

const (
	// pruneGrace is how long a member of a user's set stays, whatever its
	// session, after it was added; a session bound to the user must be
	// written within half of it (the fence), so that a pruner never
	// removes the member of a session being bound.
	pruneGrace = time.Minute
	// busyFor is how long a DeleteUserSessions marks its user busy, at
	// most: a Cycle that would bind a session to that user meanwhile
	// conflicts instead. The mark goes when the deletion ends.
	busyFor = 30 * time.Second
	// maxAttempts bounds the retries of a script past its fence, or whose
	// expected values had other bytes than the stored ones.
	maxAttempts = 5
	// undoTimeout bounds the clean-up of a Cycle that failed half-way,
	// which runs even when the request's context is done.
	undoTimeout = 5 * time.Second
)

// errLiveSession is reported by Create and Cycle when a live session
// already holds the hash they would write.
var errLiveSession = errors.New("a live session already has this token hash")

// errStale is reported when Redis was too slow, several times, between
// adding a session to its user's set and writing the session.
var errStale = errors.New("the session was not written within the fence after adding it to its user's set, several times: Redis is too slow")

// Store is a runtime.Store in Redis: a single server, a Redis Cluster or
// any redis.UniversalClient. Its methods are safe for concurrent use. The
// zero value is not usable; call New.
type Store struct {
	rdb       redis.UniversalClient
	prefix    string
	retention time.Duration
	grace     time.Duration // pruneGrace, which tests shorten
}

var (
	_ runtime.AdminStore = (*Store)(nil)
	_ runtime.KeyDeleter = (*Store)(nil)
)

// Option configures a Store. An option that takes a duration treats zero
// or less as "the default", as every option of sessiongen's packages does.
type Option func(*Store)

// WithPrefix sets the prefix of the Store's Redis keys (DefaultPrefix by
// default; "" means the default). Stores that share sessions must use the
// same one.
func WithPrefix(p string) Option {
	return func(s *Store) {
		if p != "" {
			s.prefix = p
		}
	}
}

// WithRetention sets how long Redis keeps a session after it expires
// (DefaultRetention by default; MinRetention to drop it at once),
// rounded up to a millisecond. Expired sessions behave as absent all the
// same; what retention keeps them for is the admin page, which lists
// them as expired, DeleteKey, and DeleteUserSessions, which reports them
// as it does in every store.
func WithRetention(d time.Duration) Option {
	return func(s *Store) {
		if d > 0 {
			s.retention = d
		}
	}
}

// New returns a Store over rdb. The client stays the caller's to close;
// give it ContextTimeoutEnabled so that request deadlines bound its calls.
func New(rdb redis.UniversalClient, opts ...Option) *Store {
	s := &Store{rdb: rdb, prefix: DefaultPrefix, retention: DefaultRetention, grace: pruneGrace}
	for _, o := range opts {
		o(s)
	}
	return s
}

// Key returns the Redis key of the hash that holds the session under h:
// the prefix, "s:", and the hash in hexadecimal inside a Redis Cluster
// hash tag.
func (s *Store) Key(h runtime.TokenHash) string {
	return s.prefix + "s:{" + h.String() + "}"
}

// userKey returns the Redis key of the sorted set of the token hashes of
// the sessions bound to userID: the prefix, "u:", and the SHA-256 of the
// user id in hexadecimal inside a hash tag.
func (s *Store) userKey(userID string) string {
	sum := sha256.Sum256([]byte(userID))
	return s.prefix + "u:{" + hex.EncodeToString(sum[:]) + "}"
}

// busyKey returns the key, in the slot of the user's set ukey, that marks
// the DeleteUserSessions under way for that user.
func busyKey(ukey string) string { return ukey + ":busy" }

// Load returns the live session stored under h, or runtime.ErrNotFound if
// there is none, it has expired, or a Cycle is moving it away.
func (s *Store) Load(ctx context.Context, h runtime.TokenHash) (runtime.Record, error) {
	reply, err := loadScript.Run(ctx, s.rdb, []string{s.Key(h)}).Slice()
	if err != nil {
		return runtime.Record{}, fmt.Errorf("redisstore: load session: %w", err)
	}
	now, fields, err := parseLoad(reply)
	if err != nil {
		return runtime.Record{}, fmt.Errorf("redisstore: load session: %w", err)
	}
	if len(fields) == 0 {
		return runtime.Record{}, runtime.ErrNotFound
	}
	st, err := parseSession(fields)
	if err != nil {
		return runtime.Record{}, fmt.Errorf("redisstore: load session %s: %w", h, err)
	}
	if st.moving || st.expires <= now {
		return runtime.Record{}, runtime.ErrNotFound
	}
	return st.record(), nil
}

// Create stores rec under h. It replaces an expired session under h, and
// fails if a live one holds it. Each value of rec.Data must be valid JSON
// that every store keeps (runtime.CheckStorable).
func (s *Store) Create(ctx context.Context, h runtime.TokenHash, rec runtime.Record) error {
	pairs, err := encodeData(rec.Data)
	if err != nil {
		return fmt.Errorf("redisstore: create session: %w", err)
	}
	status, err := s.put(ctx, h, whole{expires: rec.ExpiresAt, userID: rec.UserID, userAgent: rec.UserAgent, pairs: pairs})
	switch {
	case err != nil:
		return fmt.Errorf("redisstore: create session: %w", err)
	case status == "taken":
		return fmt.Errorf("redisstore: create session: %w", errLiveSession)
	}
	return nil
}

// put stores w under h with putScript, and returns its status. A session
// bound to a user is first added to the user's set, so that the set never
// lacks a bound session, and written within the fence that gives.
func (s *Store) put(ctx context.Context, h runtime.TokenHash, w whole) (string, error) {
	for range maxAttempts {
		fence := ""
		if w.userID != "" {
			f, err := s.index(ctx, w.userID, h)
			if err != nil {
				return "", err
			}
			fence = f
		}
		status, err := s.runPut(ctx, h, w, fence)
		switch {
		case err != nil:
			return "", err
		case status == "ok", status == "taken":
			return status, nil
		case status != "stale":
			return "", fmt.Errorf("unexpected reply %q from Redis", status)
		}
	}
	return "", errStale
}

// Update applies c to the live session under h: the stored data becomes
// (data - c.Delete) || c.Set, if c.Expect and c.MaxSize hold. It returns
// runtime.ErrNotFound, writing nothing, when there is no live session
// under h, and an error wrapping runtime.ErrConflict or
// runtime.ErrTooLarge, writing nothing, when c.Expect or c.MaxSize does
// not hold, or (ErrConflict) while a Cycle moves the session away. A
// bind with c.MaxUserSessions deletes the user's sessions beyond it in
// the same script, over a single server; over a cluster it is refused,
// writing nothing, with an error wrapping errors.ErrUnsupported (see the
// package documentation).
func (s *Store) Update(ctx context.Context, h runtime.TokenHash, c runtime.Change) error {
	if err := s.refuseLimit("update session", c); err != nil {
		return err
	}
	ch, err := newChange(c)
	if err != nil {
		return fmt.Errorf("redisstore: update session: %w", err)
	}
	bind := c.UserID != nil && *c.UserID != ""
	script, extra := updateScript, []any(nil)
	if limited(c) {
		script, extra = limitedUpdateScript, s.limitArgs(*c.UserID, h, c.MaxUserSessions)
	}
	for range maxAttempts {
		fence := ""
		if bind {
			if fence, err = s.index(ctx, *c.UserID, h); err != nil {
				return fmt.Errorf("redisstore: update session: %w", err)
			}
		}
		reply, err := s.change(ctx, script, s.Key(h), ch, fence, "", extra...)
		if err != nil {
			return fmt.Errorf("redisstore: update session: %w", err)
		}
		if reply.status != "stale" {
			if err := reply.err("update session", c.MaxSize); err != nil {
				return err
			}
			return reportEnded(c.Ended, reply.rest)
		}
	}
	return fmt.Errorf("redisstore: update session: %w", errStale)
}

// change runs script, updateScript, limitedUpdateScript or
// cycleOutScript, on the session under key, with extra after the change's
// arguments. When an expected value's bytes differ from the stored ones,
// it compares them as JSON and, if they are equal, runs the script again
// expecting the stored bytes, so that the check and the write stay one
// step.
func (s *Store) change(ctx context.Context, script *redis.Script, key string, ch *change, fence, nonce string, extra ...any) (reply, error) {
	for range maxAttempts {
		raw, err := script.Run(ctx, s.rdb, []string{key}, append(ch.argv(s.retention, fence, nonce), extra...)...).Slice()
		if err != nil {
			return reply{}, err
		}
		r, err := parseReply(raw)
		if err != nil || r.status != "differs" {
			return r, err
		}
		if !ch.rebase(r.rest) {
			return reply{status: "conflict"}, nil
		}
	}
	// The stored values keep changing to equal ones in other bytes.
	return reply{status: "conflict"}, nil
}

// Cycle moves the live session under from to to, applying c as Update
// does. It returns runtime.ErrNotFound, runtime.ErrConflict or
// runtime.ErrTooLarge as Update does, writing nothing, and an error when a
// live session holds to. The two hashes lie in different slots of a Redis
// Cluster, so a Cycle takes several steps (see the package
// documentation); none of them lets the session be seen under both.
func (s *Store) Cycle(ctx context.Context, from, to runtime.TokenHash, c runtime.Change) error {
	if from == to {
		return s.Update(ctx, from, c)
	}
	if err := s.refuseLimit("cycle session", c); err != nil {
		return err
	}
	ch, err := newChange(c)
	if err != nil {
		return fmt.Errorf("redisstore: cycle session: %w", err)
	}
	nonce := rand.Text()
	r, err := s.change(ctx, cycleOutScript, s.Key(from), ch, "", nonce)
	if err != nil {
		return fmt.Errorf("redisstore: cycle session: %w", err)
	}
	if r.status != "ok" {
		return r.err("cycle session", c.MaxSize)
	}
	w, err := movedSession(r.rest, c.ExpiresAt)
	if err != nil {
		s.undoCycle(ctx, from, to, nonce, false)
		return fmt.Errorf("redisstore: cycle session: %w", err)
	}
	w.by = nonce
	if limited(c) {
		w.limit, w.ended = c.MaxUserSessions, c.Ended
	}
	return s.moveIn(ctx, from, to, nonce, w)
}

// moveIn completes a Cycle whose first step marked the session under from
// with nonce: it stores w under to, checks that no DeleteUserSessions of
// its user began meanwhile, and deletes the session under from, if it is
// still marked. Whatever fails, it undoes what it did.
func (s *Store) moveIn(ctx context.Context, from, to runtime.TokenHash, nonce string, w whole) error {
	status, err := s.put(ctx, to, w)
	switch {
	case err != nil:
		s.undoCycle(ctx, from, to, nonce, true)
		return fmt.Errorf("redisstore: cycle session: %w", err)
	case status == "taken":
		s.undoCycle(ctx, from, to, nonce, false)
		return fmt.Errorf("redisstore: cycle session: %w", errLiveSession)
	}
	if w.userID != "" {
		// A DeleteUserSessions that began before the session under to
		// was in the user's set may have missed it, and may not reach
		// the one under from before it is gone: the Cycle must not end.
		busy, err := busyScript.Run(ctx, s.rdb, []string{busyKey(s.userKey(w.userID))}).Int64()
		if err != nil || busy > 0 {
			s.undoCycle(ctx, from, to, nonce, true)
			if err != nil {
				return fmt.Errorf("redisstore: cycle session: %w", err)
			}
			return fmt.Errorf("redisstore: cycle session: %w: the user's sessions are being deleted", runtime.ErrConflict)
		}
	}
	done, err := commitScript.Run(ctx, s.rdb, []string{s.Key(from)}, nonce).Int64()
	if err != nil {
		s.undoCycle(ctx, from, to, nonce, true)
		return fmt.Errorf("redisstore: cycle session: %w", err)
	}
	if done == 0 {
		// Deleted meanwhile, by a sign-out: so is its copy.
		if err := dropScript.Run(ctx, s.rdb, []string{s.Key(to)}, nonce).Err(); err != nil {
			return fmt.Errorf("redisstore: cycle session: deleted meanwhile; its copy stays: %w", err)
		}
		return runtime.ErrNotFound
	}
	return nil
}

// undoCycle undoes a Cycle that failed after marking the session under
// from with nonce: it deletes the copy under to, when dropTo is set and
// the copy is this Cycle's, and then unmarks the session. It runs even
// when ctx is done. If the copy cannot be deleted, the session stays
// marked, absent: a failed Cycle may lose a session, never duplicate it.
func (s *Store) undoCycle(ctx context.Context, from, to runtime.TokenHash, nonce string, dropTo bool) {
	ctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), undoTimeout)
	defer cancel()
	if dropTo {
		if err := dropScript.Run(ctx, s.rdb, []string{s.Key(to)}, nonce).Err(); err != nil {
			return
		}
	}
	_ = abortScript.Run(ctx, s.rdb, []string{s.Key(from)}, nonce).Err()
}

// Delete removes the session under h, live or expired. Deleting a missing
// session is not an error. The session's hash stays in its user's set
// until a listing, DeleteUserSessions or DeleteExpired prunes it.
func (s *Store) Delete(ctx context.Context, h runtime.TokenHash) error {
	if err := s.rdb.Del(ctx, s.Key(h)).Err(); err != nil {
		return fmt.Errorf("redisstore: delete session: %w", err)
	}
	return nil
}
