package pgstore

import (
	"context"
	"fmt"
	"math"
)

// DefaultBatchSize is the number of expired sessions DeleteExpired removes
// per statement when given no batch size.
const DefaultBatchSize = 1000

// DeleteExpired removes every expired session and returns how many it
// removed. It deletes at most batchSize rows per statement (DefaultBatchSize
// if batchSize <= 0), each in a transaction of its own, so it never holds
// many locks for long, and several instances may run it at once. It stops
// at the first error, returning the count deleted so far.
func (s *Store) DeleteExpired(ctx context.Context, batchSize int) (int64, error) {
	if batchSize <= 0 {
		batchSize = DefaultBatchSize
	}
	batch := int32(min(batchSize, math.MaxInt32))
	var total int64
	for {
		n, err := s.q.DeleteExpiredBatch(ctx, batch)
		total += n
		if err != nil {
			return total, fmt.Errorf("pgstore: delete expired sessions: %w", err)
		}
		if n < int64(batch) {
			return total, nil
		}
	}
}
