package filestore

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"log/slog"
	"os"
	"path/filepath"
	goruntime "runtime"
	"time"

	"github.com/sessiongen/sessiongen/runtime"
)

// errLiveSession is reported by Create and Cycle when a live session
// already holds the hash they would write.
var errLiveSession = errors.New("a live session already has this token hash")

// Store is a runtime.Store that keeps each session in a file of its own
// under one directory. It is safe for concurrent use, and several Stores,
// in one process or in several, may share a directory. The zero value is
// not usable; call New.
type Store struct {
	dir   string // absolute
	locks *locks
	log   *slog.Logger
}

var (
	_ runtime.AdminStore = (*Store)(nil)
	_ runtime.KeyDeleter = (*Store)(nil)
)

// Option configures a Store.
type Option func(*Store)

// WithLogger sets where the store reports the corrupt files that its
// scans (listings, DeleteExpired, DeleteKey, DeleteUserSessions) leave
// alone, at level Error; slog.Default() without it.
func WithLogger(l *slog.Logger) Option { return func(s *Store) { s.log = l } }

// New returns a store that keeps sessions in the directory dir, which
// must exist and be writable: New fails, naming the directory and saying
// why, when it does not exist, is not a directory, or is not writable by
// this process, and on a platform without flock(2) (see the package
// documentation). It creates the subdirectory .locks in dir for its lock
// files.
func New(dir string, opts ...Option) (*Store, error) {
	abs, err := filepath.Abs(dir)
	if err != nil {
		return nil, fmt.Errorf("filestore: session directory %q: %w", dir, err)
	}
	if !lockingSupported {
		return nil, fmt.Errorf("filestore: session directory %s: %w: the store needs flock(2) file locks, which %s does not have",
			abs, errors.ErrUnsupported, goruntime.GOOS)
	}
	switch info, err := os.Stat(abs); {
	case errors.Is(err, fs.ErrNotExist):
		return nil, fmt.Errorf("filestore: session directory %s does not exist: create it (mkdir -m 700 %s), or name another", abs, abs)
	case err != nil:
		return nil, fmt.Errorf("filestore: session directory %s: %w", abs, err)
	case !info.IsDir():
		return nil, fmt.Errorf("filestore: session directory %s is not a directory", abs)
	}
	if err := probe(abs); err != nil {
		return nil, fmt.Errorf("filestore: session directory %s is not writable by this process (uid %d): %w", abs, os.Geteuid(), err)
	}
	s := &Store{dir: abs, locks: newLocks(filepath.Join(abs, lockDir)), log: slog.Default()}
	for _, o := range opts {
		o(s)
	}
	return s, nil
}

// probe checks that the store can write in dir: a file, written, synced
// and removed as a save does, and a lock file in the lock directory,
// which it creates when missing.
func probe(dir string) error {
	tmp, err := writeTemp(dir, nil)
	if err != nil {
		return err
	}
	if err := os.Remove(tmp); err != nil {
		return err
	}
	if err := os.Mkdir(filepath.Join(dir, lockDir), 0o700); err != nil && !errors.Is(err, fs.ErrExist) {
		return err
	}
	f, err := os.OpenFile(filepath.Join(dir, lockDir, cycleLock), os.O_RDWR|os.O_CREATE, 0o600)
	if err != nil {
		return err
	}
	return f.Close()
}

// Dir returns the directory the store keeps its sessions in, as an
// absolute path.
func (s *Store) Dir() string { return s.dir }

// path returns the path of the file of the session under h: the hash in
// lowercase hexadecimal, never the token.
func (s *Store) path(h runtime.TokenHash) string {
	return filepath.Join(s.dir, h.String())
}

// read returns the session stored under h, live or expired. The error
// wraps fs.ErrNotExist when there is none, and ErrCorrupt when its file
// is not a session file.
func (s *Store) read(h runtime.TokenHash) (*session, error) {
	return readSession(s.path(h))
}

// live returns the live session stored under h, or runtime.ErrNotFound
// when there is none or it has expired.
func (s *Store) live(h runtime.TokenHash) (*session, error) {
	sess, err := s.read(h)
	switch {
	case errors.Is(err, fs.ErrNotExist):
		return nil, runtime.ErrNotFound
	case err != nil:
		return nil, err
	case !sess.live(time.Now()):
		return nil, runtime.ErrNotFound
	}
	return sess, nil
}

// failed returns the error err of the operation op: nil and
// runtime.ErrNotFound as they are, which callers compare, and any other
// with the package's prefix and op.
func failed(op string, err error) error {
	if err == nil || err == runtime.ErrNotFound {
		return err
	}
	return fmt.Errorf("filestore: %s: %w", op, err)
}

// Load returns the live session stored under h, or runtime.ErrNotFound if
// there is none or it has expired. It takes no lock: a save replaces a
// file whole, so a read sees it before or after, never in between.
func (s *Store) Load(ctx context.Context, h runtime.TokenHash) (runtime.Record, error) {
	if err := ctx.Err(); err != nil {
		return runtime.Record{}, failed("load session", err)
	}
	sess, err := s.live(h)
	if err != nil {
		return runtime.Record{}, failed("load session", err)
	}
	return sess.record(), nil
}

// Create stores a new session under h with rec's data, expiry, user and
// user agent. It replaces an expired session under h, and fails if a live
// one holds it, or if its file is corrupt. Each value of rec.Data must be
// valid JSON.
func (s *Store) Create(ctx context.Context, h runtime.TokenHash, rec runtime.Record) error {
	const op = "create session"
	if err := ctx.Err(); err != nil {
		return failed(op, err)
	}
	data, err := copyJSON(rec.Data)
	if err == nil {
		err = checkText("user id", rec.UserID)
	}
	if err == nil {
		err = checkText("user agent", rec.UserAgent)
	}
	if err != nil {
		return failed(op, err)
	}
	held, err := s.locks.lock(ctx, h, h)
	if err != nil {
		return failed(op, err)
	}
	defer held.unlock()
	switch _, err := s.live(h); {
	case err == nil:
		return failed(op, errLiveSession)
	case err != runtime.ErrNotFound:
		return failed(op, err)
	}
	now := storedTime(time.Now())
	sess := &session{
		ExpiresAt: storedTime(rec.ExpiresAt), CreatedAt: now, UpdatedAt: now,
		UserID: rec.UserID, UserAgent: rec.UserAgent, Data: data,
	}
	return failed(op, s.write(h, sess))
}

// write replaces the file of the session under h by one holding sess,
// atomically and durably: a new file in the same directory, synced, is
// renamed over it, and the directory is synced. The caller holds h's
// stripe.
func (s *Store) write(h runtime.TokenHash, sess *session) error {
	b, err := encode(sess)
	if err != nil {
		return err
	}
	tmp, err := writeTemp(s.dir, b)
	if err != nil {
		return err
	}
	if err := os.Rename(tmp, s.path(h)); err != nil {
		_ = os.Remove(tmp)
		return err
	}
	return syncDir(s.dir)
}

// Update applies c to the live session under h, under the lock of its
// file: the stored data becomes (data - c.Delete) || c.Set, read from the
// file as it is now, so concurrent updates of different keys all survive,
// in this process and in others sharing the directory. It returns
// runtime.ErrNotFound, writing nothing, when there is no live session
// under h, and an error wrapping runtime.ErrConflict or
// runtime.ErrTooLarge, writing nothing, when c.Expect or c.MaxSize does
// not hold. c.Version and c.Data are ignored: this store does not version
// its sessions.
func (s *Store) Update(ctx context.Context, h runtime.TokenHash, c runtime.Change) error {
	return s.change(ctx, "update session", h, h, c)
}

// Cycle moves the live session under from to to, applying c as Update
// does, as one step: no other operation sees it in between. It returns
// runtime.ErrNotFound, runtime.ErrConflict or runtime.ErrTooLarge as
// Update does, writing nothing, and an error when a live session (or a
// corrupt file) holds to.
func (s *Store) Cycle(ctx context.Context, from, to runtime.TokenHash, c runtime.Change) error {
	return s.change(ctx, "cycle session", from, to, c)
}

// change applies c to the live session under from, for the operation op,
// and stores the result under to, which is from for an Update.
func (s *Store) change(ctx context.Context, op string, from, to runtime.TokenHash, c runtime.Change) error {
	if err := ctx.Err(); err != nil {
		return failed(op, err)
	}
	if limited(c) {
		return s.changeLimited(ctx, op, from, to, c)
	}
	set, err := checkChange(c)
	if err != nil {
		return failed(op, err)
	}
	if from != to {
		release, err := s.locks.lockCycles(ctx, false)
		if err != nil {
			return failed(op, err)
		}
		defer release()
	}
	held, err := s.locks.lock(ctx, from, to)
	if err != nil {
		return failed(op, err)
	}
	defer held.unlock()
	sess, err := s.live(from)
	if err != nil {
		return failed(op, err)
	}
	if err := apply(sess, set, c, storedTime(time.Now())); err != nil {
		return failed(op, err)
	}
	if from == to {
		return failed(op, s.write(from, sess))
	}
	switch _, err := s.live(to); {
	case err == nil:
		return failed(op, errLiveSession)
	case err != runtime.ErrNotFound:
		return failed(op, err)
	}
	return failed(op, s.move(from, to, sess))
}

// move stores sess under to and removes the file under from. The caller
// holds both stripes. The old file goes first, each step synced: a crash
// in between loses the session (its user signs in again), and never
// leaves the old token valid beside the new one.
func (s *Store) move(from, to runtime.TokenHash, sess *session) error {
	b, err := encode(sess)
	if err != nil {
		return err
	}
	tmp, err := writeTemp(s.dir, b)
	if err != nil {
		return err
	}
	err = os.Remove(s.path(from))
	if err == nil {
		err = syncDir(s.dir)
	}
	if err == nil {
		err = os.Rename(tmp, s.path(to))
	}
	if err != nil {
		_ = os.Remove(tmp)
		return err
	}
	return syncDir(s.dir)
}

// Delete removes the session under h, live, expired or corrupt. Deleting
// a missing session is not an error.
func (s *Store) Delete(ctx context.Context, h runtime.TokenHash) error {
	const op = "delete session"
	if err := ctx.Err(); err != nil {
		return failed(op, err)
	}
	held, err := s.locks.lock(ctx, h, h)
	if err != nil {
		return failed(op, err)
	}
	defer held.unlock()
	err = os.Remove(s.path(h))
	if errors.Is(err, fs.ErrNotExist) {
		return nil
	}
	if err == nil {
		err = syncDir(s.dir)
	}
	return failed(op, err)
}

// FindSession returns the session stored under h, live or expired, with
// its data, or runtime.ErrNotFound when there is none. Unlike Load, it
// shows expired sessions DeleteExpired has not removed yet: it is for the
// admin page, not for serving requests.
func (s *Store) FindSession(ctx context.Context, h runtime.TokenHash) (runtime.Record, error) {
	const op = "find session"
	if err := ctx.Err(); err != nil {
		return runtime.Record{}, failed(op, err)
	}
	sess, err := s.read(h)
	if errors.Is(err, fs.ErrNotExist) {
		return runtime.Record{}, runtime.ErrNotFound
	}
	if err != nil {
		return runtime.Record{}, failed(op, err)
	}
	return sess.record(), nil
}
