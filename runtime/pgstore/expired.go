package pgstore

import (
	"context"
	"fmt"
	"math"

	"github.com/sessiongen/sessiongen/runtime"
)

// DeleteExpired removes every expired session and returns how many it
// removed. It deletes at most batchSize rows per statement
// (runtime.DefaultBatchSize when batchSize <= 0), each in a transaction of
// its own (on a DBTX that is a pgx.Tx, in the caller's), so it never holds
// many locks for long, and several instances may run it at once. It stops
// at the first error, returning the count deleted so far.
func (s *Store) DeleteExpired(ctx context.Context, batchSize int) (int64, error) {
	batch := batchOf(batchSize)
	var total int64
	for {
		n, err := s.deleteExpiredBatch(ctx, batch)
		total += n
		if err != nil {
			return total, fmt.Errorf("pgstore: delete expired sessions: %w", err)
		}
		if n < int64(batch) {
			return total, nil
		}
	}
}

// batchOf returns the batch size of a statement for batchSize:
// runtime.DefaultBatchSize when batchSize <= 0, and at most what an int4
// parameter holds.
func batchOf(batchSize int) int32 {
	if batchSize <= 0 {
		return runtime.DefaultBatchSize
	}
	return int32(min(batchSize, math.MaxInt32))
}
