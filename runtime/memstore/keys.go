package memstore

import (
	"context"
	"errors"
	"fmt"
	"maps"
	"slices"

	"github.com/sessiongen/sessiongen/runtime"
)

// DeleteKey removes key from each stored session that holds it, live or
// expired, as runtime.KeyDeleter says, and returns how many did. It looks
// at most batchSize sessions under one hold of the lock
// (runtime.DefaultBatchSize when batchSize <= 0), so that other requests
// are served between batches. Expiry and last-save times stay as they
// were.
func (s *Store) DeleteKey(ctx context.Context, key string, batchSize int) (int64, error) {
	if key == "" {
		return 0, errors.New("memstore: delete key: empty key")
	}
	s.mu.Lock()
	hashes := slices.Collect(maps.Keys(s.sessions))
	s.mu.Unlock()
	var total int64
	for batch := range slices.Chunk(hashes, batchOf(batchSize)) {
		if err := ctx.Err(); err != nil {
			return total, fmt.Errorf("memstore: delete key %q: %w", key, err)
		}
		total += s.deleteKeyBatch(key, batch)
	}
	return total, nil
}

// deleteKeyBatch removes key from the sessions under hashes that hold it,
// and returns how many did.
func (s *Store) deleteKeyBatch(key string, hashes []runtime.TokenHash) int64 {
	s.mu.Lock()
	defer s.mu.Unlock()
	var n int64
	for _, h := range hashes {
		sess, ok := s.sessions[h]
		if !ok {
			continue // deleted since the walk began
		}
		if _, ok := sess.data[key]; !ok {
			continue
		}
		// A new map: a Record handed out earlier stays as it was.
		sess.data = maps.Clone(sess.data)
		delete(sess.data, key)
		s.sessions[h] = sess
		n++
	}
	return n
}
