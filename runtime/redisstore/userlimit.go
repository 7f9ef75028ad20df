package redisstore

import (
	"context"
	"encoding/hex"
	"errors"
	"fmt"

	"github.com/redis/go-redis/v9"

	"github.com/sessiongen/sessiongen/runtime"
)

// errNoUserLimit is why a Store over a Redis Cluster (or any client of
// several servers) refuses a change with a bound on the user's sessions
// (runtime.Change.MaxUserSessions, which runtime.WithMaxSessionsPerUser
// sets): a user's set and the sessions' hashes lie in different slots,
// so no script can bind a session and delete the user's other sessions in
// one step, and concurrent sign-ins could pass the bound together.
var errNoUserLimit = fmt.Errorf("a bound on a user's sessions needs a single Redis server (a *redis.Client): "+
	"on a cluster, a user's set and the sessions lie in different slots: %w", errors.ErrUnsupported)

// limited reports whether c binds its session to a user with a bound on
// the user's sessions.
func limited(c runtime.Change) bool {
	return c.MaxUserSessions > 0 && c.UserID != nil && *c.UserID != ""
}

// refuseLimit returns an error wrapping errors.ErrUnsupported, for the
// operation op, when c binds its session to a user with a bound on the
// user's sessions and the Store's client is not of a single server; nil
// otherwise. Nothing is written before it.
func (s *Store) refuseLimit(op string, c runtime.Change) error {
	if _, single := s.rdb.(*redis.Client); limited(c) && !single {
		return fmt.Errorf("redisstore: %s: %w", op, errNoUserLimit)
	}
	return nil
}

// endOthers ends the scripts that bind a session with a bound on the
// user's sessions, once the session under KEYS[1] is written bound to the
// user bound: in the same script, so that no other script runs in
// between, it deletes the user's other live sessions, found through the
// user's set, but the limit-1 most recently saved (by their field ut, and
// then by hash, as runtime.UserStore lists them), and returns {'ok',
// hash, ...} with the hashes it deleted. Sessions a Cycle is moving do not
// count: their copy under the new hash does, once written. The last four
// arguments are the bound, the user's set, the prefix of the sessions'
// keys up to the hash, and the hash of the session bound. The script
// reaches keys it is not given in KEYS, which a single Redis server
// allows and a cluster does not (see refuseLimit).
const endOthers = `
local limit, ukey, kprefix, self = tonumber(ARGV[#ARGV - 3]), ARGV[#ARGV - 2], ARGV[#ARGV - 1], ARGV[#ARGV]
local others = {}
for _, m in ipairs(redis.call('ZRANGE', ukey, 0, -1)) do
  if m ~= self then
    local f = redis.call('HMGET', kprefix .. m .. '}', 'exp', 'uid', 'ut', 'mv')
    if f[1] and tonumber(f[1]) > now and f[2] == bound and not f[4] then
      others[#others + 1] = {m, tonumber(f[3]) or 0}
    end
  end
end
table.sort(others, function(a, b)
  if a[2] ~= b[2] then return a[2] > b[2] end
  return a[1] < b[1]
end)
local out = {'ok'}
for j = limit, #others do
  redis.call('DEL', kprefix .. others[j][1] .. '}')
  out[#out + 1] = others[j][1]
end
return out
`

// limitedUpdateScript is updateScript for a change that binds the session
// with a bound on the user's sessions (endOthers), whose arguments follow
// the change's.
var limitedUpdateScript = redis.NewScript(changeHead + updateBody + `local bound = ARGV[4]
` + endOthers)

// limitedPutScript is putScript for a session written bound with a bound
// on the user's sessions (endOthers), whose arguments follow the key and
// value pairs. It returns 'stale' and 'taken' as putScript does.
var limitedPutScript = redis.NewScript(clock + `local last = #ARGV - 4
` + putBody + `local bound = ARGV[3]
` + endOthers)

// limitArgs returns the arguments of endOthers for the session under h,
// bound to userID with a bound of limit sessions.
func (s *Store) limitArgs(userID string, h runtime.TokenHash, limit int) []any {
	return []any{limit, s.userKey(userID), s.prefix + "s:{", h.String()}
}

// runPut runs putScript, or limitedPutScript when w bounds its user's
// sessions, to store w under h within fence, and returns its status. The
// latter calls w.ended with the sessions it deleted, if any.
func (s *Store) runPut(ctx context.Context, h runtime.TokenHash, w whole, fence string) (string, error) {
	args := w.argv(s.retention, fence)
	if w.limit <= 0 {
		return putScript.Run(ctx, s.rdb, []string{s.Key(h)}, args...).Text()
	}
	args = append(args, s.limitArgs(w.userID, h, w.limit)...)
	res, err := limitedPutScript.Run(ctx, s.rdb, []string{s.Key(h)}, args...).Result()
	if err != nil {
		return "", err
	}
	if status, ok := res.(string); ok {
		return status, nil
	}
	raw, _ := res.([]any)
	r, err := parseReply(raw)
	if err != nil {
		return "", err
	}
	if r.status == "ok" {
		err = reportEnded(w.ended, r.rest)
	}
	return r.status, err
}

// reportEnded calls ended, when it is not nil, with the hashes that
// endOthers returned, if any. Their members stay in the user's set until
// a listing, DeleteUserSessions or DeleteExpired prunes them.
func reportEnded(ended func([]runtime.TokenHash), names []any) error {
	if len(names) == 0 || ended == nil {
		return nil
	}
	hs := make([]runtime.TokenHash, 0, len(names))
	for _, n := range names {
		name, _ := str(n)
		var h runtime.TokenHash
		if k, err := hex.Decode(h[:], []byte(name)); err != nil || k != len(h) {
			return fmt.Errorf("malformed hash %q from Redis", name)
		}
		hs = append(hs, h)
	}
	ended(hs)
	return nil
}
