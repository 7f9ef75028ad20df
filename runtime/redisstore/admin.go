package redisstore

import (
	"context"
	"encoding/hex"
	"errors"
	"fmt"
	"slices"
	"strings"
	"sync"
	"sync/atomic"

	"github.com/redis/go-redis/v9"

	"github.com/sessiongen/sessiongen/internal/sessionlist"
	"github.com/sessiongen/sessiongen/runtime"
)

// listPage is how many keys a listing asks each SCAN for.
const listPage = 1000

// ListSessions returns at most limit stored sessions, live or expired,
// newest first, after skipping offset of them, and how many there are in
// all. When userID is not "" it lists only the sessions bound to that user.
// It is what the admin page (package runtime/admin) pages through.
//
// Redis keeps no order of sessions, so each call reads the metadata of
// every session (every session in the user's set, for a user) and sorts
// them: it costs a SCAN of the whole keyspace, in pages, on every node of
// a cluster. It is for the admin page, not for serving requests.
func (s *Store) ListSessions(ctx context.Context, userID string, offset, limit int) ([]runtime.SessionInfo, int64, error) {
	if err := sessionlist.CheckRange(offset, limit); err != nil {
		return nil, 0, fmt.Errorf("redisstore: list sessions: %w", err)
	}
	var infos []runtime.SessionInfo
	var err error
	if userID == "" {
		infos, err = s.allSessions(ctx)
	} else {
		infos, err = s.boundSessions(ctx, userID)
	}
	if err != nil {
		return nil, 0, fmt.Errorf("redisstore: list sessions: %w", err)
	}
	page, total := sessionlist.Page(infos, offset, limit)
	return page, total, nil
}

// boundSessions returns the stored sessions, live or expired, bound to
// userID.
func (s *Store) boundSessions(ctx context.Context, userID string) ([]runtime.SessionInfo, error) {
	_, ms, err := s.members(ctx, s.userKey(userID), "")
	if err != nil {
		return nil, err
	}
	metas, exist, err := s.metas(ctx, hashesOf(ms))
	if err != nil {
		return nil, err
	}
	var infos []runtime.SessionInfo
	for i, m := range ms {
		if exist[i] && !metas[i].moving && metas[i].userID == userID {
			infos = append(infos, metas[i].info(m.hash))
		}
	}
	return infos, nil
}

// allSessions returns every stored session, live or expired.
func (s *Store) allSessions(ctx context.Context) ([]runtime.SessionInfo, error) {
	var mu sync.Mutex
	seen := map[runtime.TokenHash]runtime.SessionInfo{}
	err := s.eachSession(ctx, listPage, func(ctx context.Context, hs []runtime.TokenHash) error {
		metas, exist, err := s.metas(ctx, hs)
		if err != nil {
			return err
		}
		mu.Lock()
		defer mu.Unlock()
		for i, h := range hs {
			if exist[i] && !metas[i].moving {
				seen[h] = metas[i].info(h)
			}
		}
		return nil
	})
	infos := make([]runtime.SessionInfo, 0, len(seen))
	for _, info := range seen {
		infos = append(infos, info)
	}
	return infos, err
}

// FindSession returns the session stored under h, live or expired, with
// its data, or runtime.ErrNotFound when there is none. Unlike Load, it
// shows expired sessions that Redis keeps for the retention
// (WithRetention) and DeleteExpired has not removed yet: it is for the
// admin page, not for serving requests.
func (s *Store) FindSession(ctx context.Context, h runtime.TokenHash) (runtime.Record, error) {
	fields, err := s.rdb.HGetAll(ctx, s.Key(h)).Result()
	if err != nil {
		return runtime.Record{}, fmt.Errorf("redisstore: find session: %w", err)
	}
	if len(fields) == 0 {
		return runtime.Record{}, runtime.ErrNotFound
	}
	st, err := parseSession(fields)
	if err != nil {
		return runtime.Record{}, fmt.Errorf("redisstore: find session %s: %w", h, err)
	}
	if st.moving {
		return runtime.Record{}, runtime.ErrNotFound
	}
	return st.record(), nil
}

// DeleteExpired removes the expired sessions that Redis keeps for the
// retention (WithRetention), looking at most batchSize sessions in one
// pipeline (runtime.DefaultBatchSize when batchSize <= 0), and returns how
// many it removed. Redis drops the others itself. It then prunes every
// user's set of the hashes of sessions that are gone, which Redis cannot
// do: those are not counted, being no sessions. It stops at the first
// error, returning how many sessions it had removed by then.
func (s *Store) DeleteExpired(ctx context.Context, batchSize int) (int64, error) {
	batch := batchOf(batchSize)
	var n atomic.Int64
	err := s.eachSession(ctx, batch, func(ctx context.Context, hs []runtime.TokenHash) error {
		cmds, err := s.evalEach(ctx, deleteExpiredScript, s.keys(hs))
		for _, cmd := range cmds {
			if d, cerr := cmd.Int64(); cerr == nil {
				n.Add(d)
			}
		}
		return err
	})
	if err != nil {
		return n.Load(), fmt.Errorf("redisstore: delete expired sessions: %w", err)
	}
	err = s.eachNode(ctx, func(ctx context.Context, node redis.Cmdable) error {
		return scan(ctx, node, globEscape(s.prefix+"u:{")+"*", batch, func(keys []string) error {
			for _, k := range keys {
				if !strings.HasSuffix(k, "}") {
					continue // a user's busy marks
				}
				if err := s.prune(ctx, k); err != nil {
					return err
				}
			}
			return nil
		})
	})
	if err != nil {
		return n.Load(), fmt.Errorf("redisstore: delete expired sessions: prune users' sets: %w", err)
	}
	return n.Load(), nil
}

// DeleteKey removes key from the data of every stored session, live or
// expired, as runtime.KeyDeleter says, and returns how many sessions held
// it. It looks at most batchSize sessions in one pipeline
// (runtime.DefaultBatchSize when batchSize <= 0). A session's expiry and
// last-save time are not changed.
func (s *Store) DeleteKey(ctx context.Context, key string, batchSize int) (int64, error) {
	if key == "" {
		return 0, errors.New("redisstore: delete key: empty key")
	}
	var n atomic.Int64
	err := s.eachSession(ctx, batchOf(batchSize), func(ctx context.Context, hs []runtime.TokenHash) error {
		cmds := make([]*redis.IntCmd, len(hs))
		_, err := s.rdb.Pipelined(ctx, func(p redis.Pipeliner) error {
			for i, h := range hs {
				cmds[i] = p.HDel(ctx, s.Key(h), dataField+key)
			}
			return nil
		})
		for _, cmd := range cmds {
			n.Add(cmd.Val())
		}
		return err
	})
	if err != nil {
		return n.Load(), fmt.Errorf("redisstore: delete key %q: %w", key, err)
	}
	return n.Load(), nil
}

// keys returns the Redis keys of the sessions under hs.
func (s *Store) keys(hs []runtime.TokenHash) []string {
	keys := make([]string, len(hs))
	for i, h := range hs {
		keys[i] = s.Key(h)
	}
	return keys
}

// eachSession calls fn with the hashes of every stored session, in
// batches of at most batch, scanning each node with pages of batch keys.
// On a cluster, fn runs for several nodes at once. A session stored or
// deleted meanwhile may be seen or not, and a hash may come twice.
func (s *Store) eachSession(ctx context.Context, batch int, fn func(context.Context, []runtime.TokenHash) error) error {
	prefix := s.prefix + "s:{"
	return s.eachNode(ctx, func(ctx context.Context, node redis.Cmdable) error {
		return scan(ctx, node, globEscape(prefix)+"*", batch, func(keys []string) error {
			hs := make([]runtime.TokenHash, 0, len(keys))
			for _, k := range keys {
				if h, ok := parseKey(k, prefix); ok {
					hs = append(hs, h)
				}
			}
			return fn(ctx, hs)
		})
	})
}

// parseKey returns the token hash of the session key k, whose prefix up
// to the hash tag is prefix.
func parseKey(k, prefix string) (runtime.TokenHash, bool) {
	var h runtime.TokenHash
	name, ok := strings.CutPrefix(k, prefix)
	if !ok {
		return h, false
	}
	name, ok = strings.CutSuffix(name, "}")
	if !ok || len(name) != hex.EncodedLen(len(h)) {
		return h, false
	}
	_, err := hex.Decode(h[:], []byte(name))
	return h, err == nil
}

// eachNode calls fn with each node that holds keys: each master of a
// cluster and each shard of a ring, at once, or else the client itself.
func (s *Store) eachNode(ctx context.Context, fn func(context.Context, redis.Cmdable) error) error {
	switch c := s.rdb.(type) {
	case *redis.ClusterClient:
		return c.ForEachMaster(ctx, func(ctx context.Context, node *redis.Client) error { return fn(ctx, node) })
	case *redis.Ring:
		return c.ForEachShard(ctx, func(ctx context.Context, node *redis.Client) error { return fn(ctx, node) })
	}
	return fn(ctx, s.rdb)
}

// scan calls fn with the keys of node that match the pattern match, a
// page of SCAN at a time (COUNT batch), in slices of at most batch keys.
func scan(ctx context.Context, node redis.Cmdable, match string, batch int, fn func([]string) error) error {
	var cursor uint64
	for {
		keys, next, err := node.Scan(ctx, cursor, match, int64(batch)).Result()
		if err != nil {
			return err
		}
		for chunk := range slices.Chunk(keys, batch) {
			if err := fn(chunk); err != nil {
				return err
			}
		}
		if next == 0 {
			return nil
		}
		cursor = next
	}
}

// globEscape returns s with the characters that SCAN's MATCH patterns
// treat specially escaped.
func globEscape(s string) string {
	var b strings.Builder
	for i := range len(s) {
		if strings.IndexByte(`*?[]\`, s[i]) >= 0 {
			b.WriteByte('\\')
		}
		b.WriteByte(s[i])
	}
	return b.String()
}

// batchOf returns the batch size n stands for: runtime.DefaultBatchSize
// when n <= 0.
func batchOf(n int) int {
	if n <= 0 {
		return runtime.DefaultBatchSize
	}
	return n
}
