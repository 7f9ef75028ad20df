package storetest

import (
	"context"
	"crypto/rand"
	"errors"
	"fmt"
	"testing"

	"github.com/sessiongen/sessiongen/runtime"
)

// batchSizes are the batch sizes each batched deletion runs with: zero and
// less mean runtime.DefaultBatchSize, never "nothing" or "all at once",
// and 1 makes a batch of every session.
var batchSizes = []int{0, -1, 1}

// batchTests check the batch-size rule of runtime.ExpiredDeleter and
// runtime.KeyDeleter, for stores that have them. They run one at a time,
// before the parallel checks start: DeleteExpired removes every expired
// session, whoever created it, and its count is exact only when nothing
// else creates expired sessions meanwhile.
var batchTests = []test{
	{"Batch/DeleteExpired", func(t *testing.T, s runtime.Store) {
		d, ok := s.(runtime.ExpiredDeleter)
		if !ok {
			t.Skipf("%T does not implement runtime.ExpiredDeleter", s)
		}
		ctx := context.Background()
		// Start from a store without expired sessions, so the count is
		// exact.
		if _, err := d.DeleteExpired(ctx, 0); errors.Is(err, errors.ErrUnsupported) {
			t.Skipf("%T cannot delete expired sessions: %v", s, err)
		} else if err != nil {
			t.Fatal(err)
		}
		for _, batch := range batchSizes {
			t.Run(fmt.Sprint("batch ", batch), func(t *testing.T) {
				var gone []runtime.TokenHash
				for range 3 {
					gone = append(gone, create(t, s, data("a", "1"), expired()))
				}
				exp := live()
				kept := create(t, s, data("a", "1"), exp)
				if n, err := d.DeleteExpired(ctx, batch); err != nil || n != 3 {
					t.Errorf("DeleteExpired(batch %d) = %d, %v; want the 3 expired sessions", batch, n, err)
				}
				if n, err := d.DeleteExpired(ctx, batch); err != nil || n != 0 {
					t.Errorf("DeleteExpired(batch %d) again = %d, %v; want 0: the first left some", batch, n, err)
				}
				wantDeleted(t, s, gone...)
				wantRecord(t, s, kept, data("a", "1"), exp)
			})
		}
	}},
	{"Batch/DeleteKey", func(t *testing.T, s runtime.Store) {
		d, ok := s.(runtime.KeyDeleter)
		if !ok {
			t.Skipf("%T does not implement runtime.KeyDeleter", s)
		}
		ctx := context.Background()
		for _, batch := range batchSizes {
			t.Run(fmt.Sprint("batch ", batch), func(t *testing.T) {
				key := "k" + rand.Text() // held by no other session
				exp := live()
				var held []runtime.TokenHash
				for range 3 {
					held = append(held, create(t, s, data(key, `1`, "b", `2`), exp))
				}
				old := create(t, s, data(key, `1`, "b", `2`), expired())
				other := create(t, s, data("b", `2`), exp)
				n, err := d.DeleteKey(ctx, key, batch)
				if errors.Is(err, errors.ErrUnsupported) {
					t.Skipf("%T cannot delete keys: %v", s, err)
				}
				if err != nil || n != 4 {
					t.Errorf("DeleteKey(batch %d) = %d, %v; want the 4 sessions, live or expired, that hold it", batch, n, err)
				}
				if n, err := d.DeleteKey(ctx, key, batch); err != nil || n != 0 {
					t.Errorf("DeleteKey(batch %d) again = %d, %v; want 0: the first left some", batch, n, err)
				}
				for _, h := range append(held, other) {
					wantRecord(t, s, h, data("b", `2`), exp)
				}
				if l, ok := s.(runtime.Lister); ok {
					if rec, err := l.FindSession(ctx, old); err != nil {
						t.Errorf("FindSession of the expired session: %v", err)
					} else {
						wantData(t, rec.Data, data("b", `2`))
					}
				}
			})
		}
	}},
}

// wantDeleted fails t unless s holds none of hs, live or expired, as far
// as it shows them: Load finds no expired session either way, so also
// through FindSession when s is a runtime.Lister.
func wantDeleted(t *testing.T, s runtime.Store, hs ...runtime.TokenHash) {
	t.Helper()
	l, isLister := s.(runtime.Lister)
	for _, h := range hs {
		wantAbsent(t, s, h)
		if isLister {
			_, err := l.FindSession(context.Background(), h)
			wantNotFound(t, "FindSession of a deleted session", err)
		}
	}
}
