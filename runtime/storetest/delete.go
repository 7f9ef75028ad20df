package storetest

import (
	"context"
	"testing"

	"github.com/sessiongen/sessiongen/runtime"
)

var deleteTests = []test{
	{"Delete", func(t *testing.T, s runtime.Store) {
		ctx := context.Background()
		h := create(t, s, data("a", "1"), live())
		if err := s.Delete(ctx, h); err != nil {
			t.Fatalf("Delete: %v", err)
		}
		wantAbsent(t, s, h)
		// A request that loaded the session before it was deleted must
		// not bring it back.
		wantNotFound(t, "Update after Delete", s.Update(ctx, h, runtime.Change{Set: data("b", "2"), ExpiresAt: live()}))
		wantNotFound(t, "Cycle after Delete", s.Cycle(ctx, h, newHash(t), runtime.Change{ExpiresAt: live()}))
		wantAbsent(t, s, h)
	}},
	{"DeleteMissing", func(t *testing.T, s runtime.Store) {
		if err := s.Delete(context.Background(), newHash(t)); err != nil {
			t.Errorf("Delete of a missing session: %v", err)
		}
	}},
	{"DeleteExpired", func(t *testing.T, s runtime.Store) {
		ctx := context.Background()
		h := create(t, s, data("a", "1"), expired())
		if err := s.Delete(ctx, h); err != nil {
			t.Fatalf("Delete of an expired session: %v", err)
		}
		exp := live()
		if err := s.Create(ctx, h, runtime.Record{Data: data("b", "2"), ExpiresAt: exp}); err != nil {
			t.Fatalf("Create after Delete: %v", err)
		}
		wantRecord(t, s, h, data("b", "2"), exp)
	}},
	{"DeleteLeavesOthers", func(t *testing.T, s runtime.Store) {
		exp := live()
		a := create(t, s, data("a", "1"), exp)
		b := create(t, s, data("b", "2"), exp)
		if err := s.Delete(context.Background(), a); err != nil {
			t.Fatalf("Delete: %v", err)
		}
		wantAbsent(t, s, a)
		wantRecord(t, s, b, data("b", "2"), exp)
	}},
}
