package runtime

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"github.com/sessiongen/sessiongen/runtime/keyring"
)

// ReencryptResult is what Reencrypt did.
type ReencryptResult struct {
	// Sessions is how many sessions it wrote, and Values how many values
	// it sealed anew in them.
	Sessions, Values int64
	// Unopened is how many values of the keys no key of the ring opens,
	// left as they are (they read as unset), when it finished.
	Unopened int64
}

// maxReencryptPasses bounds the walks of Reencrypt over the store.
const maxReencryptPasses = 3

// Reencrypt seals anew, under the first key of ring, each value of the
// encrypted keys named in keys that is sealed under another key of the
// ring, or stored in plaintext (written before the key was encrypted), in
// every live session of store: the last step of a key rotation, and of
// turning encryption on for a key (see package keyring). Give it the ring
// the application has, after every instance has it.
//
// It pages through the sessions with ListSessions, batchSize at a time
// (DefaultBatchSize when batchSize <= 0), reads each with FindSession, and
// writes each that needs it with one Update, whose Expect requires the
// values it reseals to be still stored as it read them: a value that a
// request changes meanwhile is kept, and looked at again. Values that no
// key of the ring opens are left alone and counted. A session's expiry
// is kept; the store records the write as its last save. As sessions
// created or deleted meanwhile shift the pages, Reencrypt walks the store
// again while the last walk wrote anything, a few times at most.
//
// It stops at the first error of the store, returning what it had done.
func Reencrypt(ctx context.Context, store interface {
	Store
	Lister
}, ring *keyring.Ring, keys []string, batchSize int) (ReencryptResult, error) {
	if ring == nil {
		return ReencryptResult{}, errors.New("runtime: reencrypt: no key ring")
	}
	if batchSize <= 0 {
		batchSize = DefaultBatchSize
	}
	r := reencryption{store: store, ring: ring, keys: keys, batch: batchSize}
	var total ReencryptResult
	for range maxReencryptPasses {
		p, again, err := r.pass(ctx)
		total.Sessions += p.Sessions
		total.Values += p.Values
		total.Unopened = p.Unopened
		if err != nil || !again {
			return total, err
		}
	}
	return total, nil
}

// reencryption is the state of one Reencrypt.
type reencryption struct {
	store interface {
		Store
		Lister
	}
	ring  *keyring.Ring
	keys  []string
	batch int
}

// pass walks the store once, and reports whether another walk may find
// more to do: it wrote a session, or a concurrent request changed one
// before it could.
func (r *reencryption) pass(ctx context.Context) (res ReencryptResult, again bool, err error) {
	now := time.Now()
	for offset := 0; ; offset += r.batch {
		infos, _, err := r.store.ListSessions(ctx, "", offset, r.batch)
		if err != nil {
			return res, false, fmt.Errorf("runtime: reencrypt: list sessions: %w", err)
		}
		for _, info := range infos {
			if !info.ExpiresAt.After(now) {
				continue // expired: no longer read, soon deleted
			}
			wrote, conflict, err := r.session(ctx, info.Hash, &res)
			if err != nil {
				return res, false, err
			}
			again = again || wrote || conflict
		}
		if len(infos) < r.batch {
			return res, again, nil
		}
	}
}

// session reseals the values of the session under h that need it, adding
// what it did to res, and reports whether it wrote the session, or found
// it changed by a concurrent request.
func (r *reencryption) session(ctx context.Context, h TokenHash, res *ReencryptResult) (wrote, conflict bool, err error) {
	rec, err := r.store.FindSession(ctx, h)
	if errors.Is(err, ErrNotFound) {
		return false, false, nil // deleted meanwhile
	}
	if err != nil {
		return false, false, fmt.Errorf("runtime: reencrypt: read session: %w", err)
	}
	c := Change{Set: map[string]json.RawMessage{}, Expect: map[string]json.RawMessage{}, ExpiresAt: rec.ExpiresAt}
	for _, key := range r.keys {
		raw, ok := rec.Data[key]
		if !ok {
			continue
		}
		plaintext, at, err := openValue(r.ring, key, raw)
		switch {
		case errors.Is(err, keyring.ErrNotSealed):
			plaintext = raw // stored before the key was encrypted
		case err != nil:
			res.Unopened++
			continue
		case at == 0:
			continue // sealed under the first key already
		}
		c.Set[key] = sealValue(r.ring, key, plaintext)
		c.Expect[key] = raw
	}
	if len(c.Set) == 0 {
		return false, false, nil
	}
	switch err := r.store.Update(ctx, h, c); {
	case errors.Is(err, ErrNotFound):
		return false, false, nil // deleted or expired meanwhile
	case errors.Is(err, ErrConflict):
		return false, true, nil
	case err != nil:
		return false, false, fmt.Errorf("runtime: reencrypt: write session: %w", err)
	}
	res.Sessions++
	res.Values += int64(len(c.Set))
	return true, false, nil
}
