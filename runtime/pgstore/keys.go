package pgstore

import (
	"context"
	"errors"
	"fmt"

	"github.com/sessiongen/sessiongen/runtime/pgstore/internal/db"
)

// DeleteKey removes key from the data of every stored session, live or
// expired, and returns how many sessions held it. Use it after removing a
// key from sessions.yaml, to clear the values the runtime leaves alone.
//
// It walks the table in token-hash order, batchSize rows per statement
// (runtime.DefaultBatchSize when batchSize <= 0), each statement a
// transaction of its own (on a DBTX that is a pgx.Tx, in the caller's)
// that locks only the rows that hold key, so it never holds many locks
// for long and sessions keep being served meanwhile. A session's expiry and
// last-save time are not changed. It stops at the first error, returning
// the count so far; run it again to finish. A request still running code
// that writes key may write it again after the walk has passed its row.
func (s *Store) DeleteKey(ctx context.Context, key string, batchSize int) (int64, error) {
	if key == "" {
		return 0, errors.New("pgstore: delete key: empty key")
	}
	batch := batchOf(batchSize)
	after := []byte{} // sorts before every hash
	var total int64
	for {
		row, err := s.q.DeleteKeyBatch(ctx, db.DeleteKeyBatchParams{AfterHash: after, BatchSize: batch, Key: key})
		if err != nil {
			return total, fmt.Errorf("pgstore: delete key %q: %w", key, err)
		}
		total += row.Changed
		if row.Scanned < int64(batch) || row.LastHash == nil {
			return total, nil
		}
		after = row.LastHash
	}
}
