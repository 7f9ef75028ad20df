package filestore

import (
	"context"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/sessiongen/sessiongen/internal/sessionlist"
	"github.com/sessiongen/sessiongen/runtime"
)

// staleTemp is the age after which DeleteExpired removes a file left by a
// write that never finished (its process crashed between writing the new
// file and renaming it). A write holds its file for milliseconds.
const staleTemp = time.Hour

// batchOf returns the batch size n stands for: runtime.DefaultBatchSize
// when n <= 0.
func batchOf(n int) int {
	if n <= 0 {
		return runtime.DefaultBatchSize
	}
	return n
}

// hashOf returns the hash a session file's name stands for, and false for
// any other name: the lock directory, a write's temporary file, a file
// someone else put there.
func hashOf(name string) (runtime.TokenHash, bool) {
	var h runtime.TokenHash
	if len(name) != hex.EncodedLen(len(h)) {
		return h, false
	}
	if _, err := hex.Decode(h[:], []byte(name)); err != nil || h.String() != name {
		return h, false // not hexadecimal, or not the lowercase that path writes
	}
	return h, true
}

// walk reads the directory's entries, at most batch at a time, and calls
// visit with each batch, until the end of the directory or the first
// error. It checks ctx before each batch. An entry added or removed
// meanwhile may or may not be in a batch; every other is in exactly one.
func (s *Store) walk(ctx context.Context, batch int, visit func([]fs.DirEntry) error) error {
	d, err := os.Open(s.dir)
	if err != nil {
		return err
	}
	defer d.Close()
	for {
		if err := ctx.Err(); err != nil {
			return err
		}
		entries, err := d.ReadDir(batch)
		if len(entries) > 0 {
			if err := visit(entries); err != nil {
				return err
			}
		}
		if err == io.EOF {
			return nil
		}
		if err != nil {
			return err
		}
	}
}

// hashes returns the hashes of the session files among entries: regular
// files named as the store names them.
func hashes(entries []fs.DirEntry) []runtime.TokenHash {
	hs := make([]runtime.TokenHash, 0, len(entries))
	for _, e := range entries {
		if h, ok := hashOf(e.Name()); ok && e.Type().IsRegular() {
			hs = append(hs, h)
		}
	}
	return hs
}

// scanned reads the session under h for a scan. It reports false, with
// no error, when the file is gone (deleted since the directory was read)
// or corrupt: a scan goes on past a corrupt file, which it logs, since the
// file is nobody's session until it is repaired (Load refuses it).
func (s *Store) scanned(ctx context.Context, h runtime.TokenHash) (*session, bool, error) {
	sess, err := s.read(h)
	switch {
	case err == nil:
		return sess, true, nil
	case errors.Is(err, fs.ErrNotExist):
		return nil, false, nil
	case errors.Is(err, ErrCorrupt):
		s.log.LogAttrs(ctx, slog.LevelError, "filestore: skipping a corrupt session file",
			slog.String("file", s.path(h)), slog.String("error", err.Error()))
		return nil, false, nil
	}
	return nil, false, err
}

// sessions returns the sessions of the directory that match says to
// list, without their data, in no particular order.
func (s *Store) sessions(ctx context.Context, match func(*session) bool) ([]runtime.SessionInfo, error) {
	var infos []runtime.SessionInfo
	err := s.walk(ctx, runtime.DefaultBatchSize, func(entries []fs.DirEntry) error {
		for _, h := range hashes(entries) {
			sess, ok, err := s.scanned(ctx, h)
			if err != nil {
				return err
			}
			if ok && match(sess) {
				infos = append(infos, sess.info(h))
			}
		}
		return nil
	})
	return infos, err
}

// ListSessions returns at most limit stored sessions, live or expired,
// newest first, after skipping offset of them, and how many there are in
// all; only those bound to userID when it is not "". It reads every
// session file, so a page costs as much as the whole directory. It is
// what the admin page (package runtime/admin) pages through.
func (s *Store) ListSessions(ctx context.Context, userID string, offset, limit int) ([]runtime.SessionInfo, int64, error) {
	const op = "list sessions"
	if err := ctx.Err(); err != nil {
		return nil, 0, failed(op, err)
	}
	if err := sessionlist.CheckRange(offset, limit); err != nil {
		return nil, 0, fmt.Errorf("filestore: %s: %w", op, err)
	}
	infos, err := s.sessions(ctx, func(sess *session) bool { return userID == "" || sess.UserID == userID })
	if err != nil {
		return nil, 0, failed(op, err)
	}
	page, total := sessionlist.Page(infos, offset, limit)
	return page, total, nil
}

// UserSessions returns the live sessions bound to userID by
// runtime.Session.SignIn, most recently saved first; none for the userID
// "". It reads every session file: the store keeps no index of users.
func (s *Store) UserSessions(ctx context.Context, userID string) ([]runtime.SessionInfo, error) {
	const op = "list user sessions"
	if err := ctx.Err(); err != nil {
		return nil, failed(op, err)
	}
	if userID == "" {
		return nil, nil
	}
	now := time.Now()
	infos, err := s.sessions(ctx, func(sess *session) bool { return sess.UserID == userID && sess.live(now) })
	if err != nil {
		return nil, failed(op, err)
	}
	sessionlist.SortSaved(infos)
	return infos, nil
}

// DeleteUserSessions deletes every session bound to userID, live or
// expired, except the one under keep (none when keep is the zero
// runtime.TokenHash), and returns the hashes of those it deleted, also
// when it fails part way. It deletes nothing for the userID "". It reads
// every session file, and holds the directory's cycle lock meanwhile, so
// that no session of the user escapes by moving to a new hash (Cycle)
// while the scan is under way.
func (s *Store) DeleteUserSessions(ctx context.Context, userID string, keep runtime.TokenHash) ([]runtime.TokenHash, error) {
	const op = "delete user sessions"
	if err := ctx.Err(); err != nil {
		return nil, failed(op, err)
	}
	if userID == "" {
		return nil, nil
	}
	release, err := s.locks.lockCycles(ctx, true)
	if err != nil {
		return nil, failed(op, err)
	}
	defer release()
	keeps := keep != runtime.TokenHash{}
	bound := func(sess *session) bool { return sess.UserID == userID }
	var gone []runtime.TokenHash
	err = s.walk(ctx, runtime.DefaultBatchSize, func(entries []fs.DirEntry) error {
		for _, h := range hashes(entries) {
			if keeps && h == keep {
				continue
			}
			removed, err := s.removeIf(ctx, h, bound)
			if err != nil {
				return err
			}
			if removed {
				gone = append(gone, h)
			}
		}
		return nil
	})
	if len(gone) > 0 {
		err = errors.Join(err, syncDir(s.dir))
	}
	return gone, failed(op, err)
}

// removeIf removes the session file under h if it holds a session that
// cond accepts, checked again under the file's lock, and reports whether
// it did. The caller syncs the directory.
func (s *Store) removeIf(ctx context.Context, h runtime.TokenHash, cond func(*session) bool) (bool, error) {
	// A look without the lock first spares taking it for every file.
	if sess, ok, err := s.scanned(ctx, h); err != nil || !ok || !cond(sess) {
		return false, err
	}
	held, err := s.locks.lock(ctx, h, h)
	if err != nil {
		return false, err
	}
	defer held.unlock()
	if sess, ok, err := s.scanned(ctx, h); err != nil || !ok || !cond(sess) {
		return false, err
	}
	if err := os.Remove(s.path(h)); err != nil && !errors.Is(err, fs.ErrNotExist) {
		return false, err
	}
	return true, nil
}

// DeleteExpired removes every expired session, and returns how many it
// removed. It reads the directory batchSize entries at a time
// (runtime.DefaultBatchSize when batchSize <= 0), reading each session
// file of the batch and removing the expired ones, each under its own
// lock, then syncing the directory once for the batch, and it checks ctx
// between batches. It stops at the first error, returning how many it had
// removed by then. It also removes the temporary files that crashed
// writes left, once they are an hour old, and leaves corrupt files alone,
// logging them.
func (s *Store) DeleteExpired(ctx context.Context, batchSize int) (int64, error) {
	var total int64
	expired := func(sess *session) bool { return !sess.live(time.Now()) }
	err := s.walk(ctx, batchOf(batchSize), func(entries []fs.DirEntry) error {
		if err := s.removeStaleTemps(entries); err != nil {
			return err
		}
		removed := 0
		var err error
		for _, h := range hashes(entries) {
			var ok bool
			if ok, err = s.removeIf(ctx, h, expired); err != nil {
				break
			}
			if ok {
				removed++
			}
		}
		total += int64(removed)
		if removed > 0 {
			err = errors.Join(err, syncDir(s.dir))
		}
		return err
	})
	return total, failed("delete expired sessions", err)
}

// removeStaleTemps removes the temporary files among entries that are
// older than staleTemp.
func (s *Store) removeStaleTemps(entries []fs.DirEntry) error {
	for _, e := range entries {
		if !strings.HasPrefix(e.Name(), tempPrefix) {
			continue
		}
		info, err := e.Info()
		if errors.Is(err, fs.ErrNotExist) {
			continue // renamed or removed by its writer since
		}
		if err != nil {
			return err
		}
		if time.Since(info.ModTime()) < staleTemp {
			continue
		}
		if err := os.Remove(filepath.Join(s.dir, e.Name())); err != nil && !errors.Is(err, fs.ErrNotExist) {
			return err
		}
	}
	return nil
}

// DeleteKey removes key from the data of every stored session, live or
// expired, and returns how many sessions held it. It reads the directory
// batchSize entries at a time (runtime.DefaultBatchSize when batchSize <=
// 0), checking ctx between batches, and rewrites each session that holds
// key under that session's lock, as an Update does, keeping its expiry
// and last-save time. It stops at the first error, returning the count so
// far; run it again to finish. A request still running code that writes
// key may write it again after the walk has passed its file.
func (s *Store) DeleteKey(ctx context.Context, key string, batchSize int) (int64, error) {
	if key == "" {
		return 0, errors.New("filestore: delete key: empty key")
	}
	var total int64
	err := s.walk(ctx, batchOf(batchSize), func(entries []fs.DirEntry) error {
		for _, h := range hashes(entries) {
			dropped, err := s.dropKey(ctx, h, key)
			if err != nil {
				return err
			}
			if dropped {
				total++
			}
		}
		return nil
	})
	return total, failed(fmt.Sprintf("delete key %q", key), err)
}

// dropKey removes key from the session under h, checked again under its
// lock, and reports whether the session held it.
func (s *Store) dropKey(ctx context.Context, h runtime.TokenHash, key string) (bool, error) {
	holds := func(sess *session) bool { _, ok := sess.Data[key]; return ok }
	// A look without the lock first spares taking it for every file.
	if sess, ok, err := s.scanned(ctx, h); err != nil || !ok || !holds(sess) {
		return false, err
	}
	held, err := s.locks.lock(ctx, h, h)
	if err != nil {
		return false, err
	}
	defer held.unlock()
	sess, ok, err := s.scanned(ctx, h)
	if err != nil || !ok || !holds(sess) {
		return false, err
	}
	delete(sess.Data, key)
	return true, s.write(h, sess)
}
