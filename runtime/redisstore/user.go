package redisstore

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"slices"
	"strconv"

	"github.com/redis/go-redis/v9"

	"github.com/sessiongen/sessiongen/internal/sessionlist"
	"github.com/sessiongen/sessiongen/runtime"
)

// member is a member of a user's set: the token hash of a session bound,
// or once bound, to the user, and its score, the server's time when it
// was last added, in microseconds.
type member struct {
	hash  runtime.TokenHash
	name  string // the hash in hexadecimal, as stored
	score int64
}

// index adds h to the set of userID's sessions and returns the fence: the
// time, in microseconds by the server's clock, by which the session must
// be written bound to userID. No pruner removes the member before then.
func (s *Store) index(ctx context.Context, userID string, h runtime.TokenHash) (string, error) {
	score, err := indexScript.Run(ctx, s.rdb, []string{s.userKey(userID)}, h.String()).Text()
	if err != nil {
		return "", fmt.Errorf("add to the user's set: %w", err)
	}
	n, err := strconv.ParseInt(score, 10, 64)
	if err != nil {
		return "", fmt.Errorf("add to the user's set: score %q: %w", score, err)
	}
	return strconv.FormatInt(n+s.grace.Microseconds()/2, 10), nil
}

// members returns the server's time, in microseconds, and the members of
// the user's set ukey. When busyToken is not "", it first marks the user
// busy under that token.
func (s *Store) members(ctx context.Context, ukey, busyToken string) (int64, []member, error) {
	raw, err := membersScript.Run(ctx, s.rdb, []string{ukey, busyKey(ukey)}, busyToken, busyFor.Microseconds()).Slice()
	if err != nil {
		return 0, nil, fmt.Errorf("read the user's set: %w", err)
	}
	if len(raw) != 2 {
		return 0, nil, fmt.Errorf("read the user's set: malformed reply from Redis: %d values", len(raw))
	}
	nowText, _ := str(raw[0])
	now, err := strconv.ParseInt(nowText, 10, 64)
	if err != nil {
		return 0, nil, fmt.Errorf("read the user's set: time %q: %w", nowText, err)
	}
	pairs, _ := raw[1].([]any)
	ms := make([]member, 0, len(pairs)/2)
	for i := 0; i+1 < len(pairs); i += 2 {
		name, _ := str(pairs[i])
		scoreText, _ := str(pairs[i+1])
		score, err := strconv.ParseFloat(scoreText, 64)
		var h runtime.TokenHash
		if n, herr := hex.Decode(h[:], []byte(name)); herr != nil || n != len(h) || err != nil {
			continue // not the Store's: left alone
		}
		ms = append(ms, member{hash: h, name: name, score: int64(score)})
	}
	return now, ms, nil
}

// unindex removes ms from the user's set ukey, each only if its score has
// not changed: a member added again meanwhile stays.
func (s *Store) unindex(ctx context.Context, ukey string, ms []member) error {
	if len(ms) == 0 {
		return nil
	}
	args := make([]any, 0, 2*len(ms))
	for _, m := range ms {
		args = append(args, m.name, m.score)
	}
	if err := unindexScript.Run(ctx, s.rdb, []string{ukey}, args...).Err(); err != nil {
		return fmt.Errorf("prune the user's set: %w", err)
	}
	return nil
}

// metas returns the metadata of the sessions under hs, in their order,
// and whether each exists.
func (s *Store) metas(ctx context.Context, hs []runtime.TokenHash) ([]meta, []bool, error) {
	cmds := make([]*redis.SliceCmd, len(hs))
	if len(hs) > 0 {
		_, err := s.rdb.Pipelined(ctx, func(p redis.Pipeliner) error {
			for i, h := range hs {
				cmds[i] = p.HMGet(ctx, s.Key(h), metaFields...)
			}
			return nil
		})
		if err != nil {
			return nil, nil, fmt.Errorf("read sessions: %w", err)
		}
	}
	ms, exist := make([]meta, len(hs)), make([]bool, len(hs))
	for i, cmd := range cmds {
		fields := fieldsOf(metaFields, cmd.Val())
		if _, ok := fields["exp"]; !ok {
			continue // absent
		}
		m, err := parseMeta(fields)
		if err != nil {
			return nil, nil, fmt.Errorf("read session %s: %w", hs[i], err)
		}
		ms[i], exist[i] = m, true
	}
	return ms, exist, nil
}

// hashesOf returns the hashes of ms.
func hashesOf(ms []member) []runtime.TokenHash {
	hs := make([]runtime.TokenHash, len(ms))
	for i, m := range ms {
		hs[i] = m.hash
	}
	return hs
}

// UserSessions returns the live sessions bound to userID by
// runtime.Session.SignIn, most recently saved first, and prunes the
// user's set of the hashes of sessions that are gone or bound to another
// user.
func (s *Store) UserSessions(ctx context.Context, userID string) ([]runtime.SessionInfo, error) {
	if userID == "" {
		return nil, nil
	}
	ukey := s.userKey(userID)
	now, ms, err := s.members(ctx, ukey, "")
	if err != nil {
		return nil, fmt.Errorf("redisstore: list user sessions: %w", err)
	}
	metas, exist, err := s.metas(ctx, hashesOf(ms))
	if err != nil {
		return nil, fmt.Errorf("redisstore: list user sessions: %w", err)
	}
	var infos []runtime.SessionInfo
	var stale []member
	for i, m := range ms {
		switch bound := exist[i] && metas[i].userID == userID; {
		case bound && !metas[i].moving && metas[i].expires > now:
			infos = append(infos, metas[i].info(m.hash))
		case !bound && s.prunable(m, now):
			stale = append(stale, m)
		}
	}
	if err := s.unindex(ctx, ukey, stale); err != nil {
		return nil, fmt.Errorf("redisstore: list user sessions: %w", err)
	}
	sessionlist.SortSaved(infos)
	return infos, nil
}

// prunable reports whether m, whose session was found not bound to the
// set's user after now, may be removed: whether it was added longer ago
// than the grace, past which every session being bound is bound.
func (s *Store) prunable(m member, now int64) bool {
	return now-m.score > s.grace.Microseconds()
}

// DeleteUserSessions deletes every session bound to userID, live, expired
// or being moved by a Cycle, except the one under keep, and returns the
// hashes of those it deleted. While it runs, a Cycle that would bind a
// session to userID conflicts, and the manager tries it again.
func (s *Store) DeleteUserSessions(ctx context.Context, userID string, keep runtime.TokenHash) ([]runtime.TokenHash, error) {
	if userID == "" {
		return nil, nil
	}
	ukey := s.userKey(userID)
	token := rand.Text()
	now, ms, err := s.members(ctx, ukey, token)
	if err != nil {
		return nil, fmt.Errorf("redisstore: delete user sessions: %w", err)
	}
	defer func() {
		ctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), undoTimeout)
		defer cancel()
		_ = s.rdb.ZRem(ctx, busyKey(ukey), token).Err() // else it lapses after busyFor
	}()
	ms = slices.DeleteFunc(ms, func(m member) bool { return m.hash == keep })
	keys := make([]string, len(ms))
	for i, m := range ms {
		keys[i] = s.Key(m.hash)
	}
	cmds, err := s.evalEach(ctx, deleteBoundScript, keys, userID)
	var deleted []runtime.TokenHash
	var drop []member
	for i, m := range ms {
		n, cerr := cmds[i].Int64()
		switch {
		case cerr == nil && n == 1:
			deleted = append(deleted, m.hash)
			drop = append(drop, m)
		case cerr == nil && s.prunable(m, now):
			drop = append(drop, m)
		}
	}
	if err != nil {
		return deleted, fmt.Errorf("redisstore: delete user sessions: %w", err)
	}
	if err := s.unindex(ctx, ukey, drop); err != nil {
		return deleted, fmt.Errorf("redisstore: delete user sessions: %w", err)
	}
	return deleted, nil
}

// prune removes from the user's set ukey the members whose session is
// gone or bound to another user, and were added longer ago than the grace.
func (s *Store) prune(ctx context.Context, ukey string) error {
	now, ms, err := s.members(ctx, ukey, "")
	if err != nil {
		return err
	}
	metas, exist, err := s.metas(ctx, hashesOf(ms))
	if err != nil {
		return err
	}
	var stale []member
	for i, m := range ms {
		if (!exist[i] || s.userKey(metas[i].userID) != ukey) && s.prunable(m, now) {
			stale = append(stale, m)
		}
	}
	return s.unindex(ctx, ukey, stale)
}

// evalEach runs script on each of keys, with args, in one pipeline, and
// returns the commands, in the order of keys, and the first error of one.
// A script the server does not have yet is run again with EVAL.
func (s *Store) evalEach(ctx context.Context, script *redis.Script, keys []string, args ...any) ([]*redis.Cmd, error) {
	cmds := make([]*redis.Cmd, len(keys))
	if len(keys) == 0 {
		return cmds, nil
	}
	_, _ = s.rdb.Pipelined(ctx, func(p redis.Pipeliner) error {
		for i, k := range keys {
			cmds[i] = script.EvalSha(ctx, p, []string{k}, args...)
		}
		return nil
	})
	var first error
	for i, cmd := range cmds {
		if redis.HasErrorPrefix(cmd.Err(), "NOSCRIPT") {
			cmds[i] = script.Run(ctx, s.rdb, []string{keys[i]}, args...)
		}
		if err := cmds[i].Err(); err != nil && first == nil {
			first = err
		}
	}
	return cmds, first
}
