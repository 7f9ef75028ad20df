package memstore_test

import (
	"context"
	"encoding/json"
	"sync/atomic"
	"testing"
	"time"

	"github.com/sessiongen/sessiongen/runtime"
	"github.com/sessiongen/sessiongen/runtime/memstore"
	"github.com/sessiongen/sessiongen/runtime/storetest"
)

func TestConformance(t *testing.T) {
	t.Parallel()
	storetest.Run(t, func(*testing.T) runtime.Store { return memstore.New() })
}

func TestConformanceSharedStore(t *testing.T) {
	t.Parallel()
	s := memstore.New()
	storetest.Run(t, func(*testing.T) runtime.Store { return s })
}

// clock is a settable time source.
type clock struct{ now atomic.Int64 }

func (c *clock) Now() time.Time          { return time.Unix(0, c.now.Load()) }
func (c *clock) Advance(d time.Duration) { c.now.Add(int64(d)) }

// clockedStore returns a store whose time is a clock of its own, set to
// 2030-01-01, and the clock.
func clockedStore() (*memstore.Store, *clock) {
	c := &clock{}
	c.now.Store(time.Date(2030, 1, 1, 0, 0, 0, 0, time.UTC).UnixNano())
	return memstore.New(memstore.WithClock(c.Now)), c
}

func TestClockExpiresSessions(t *testing.T) {
	t.Parallel()
	s, c := clockedStore()
	ctx := context.Background()
	h := runtime.TokenHash{1}
	if err := s.Create(ctx, h, runtime.Record{Data: map[string]json.RawMessage{"a": json.RawMessage("1")}, ExpiresAt: c.Now().Add(time.Minute)}); err != nil {
		t.Fatal(err)
	}
	if _, err := s.Load(ctx, h); err != nil {
		t.Fatalf("Load before expiry: %v", err)
	}
	c.Advance(time.Minute) // expiry is exclusive: at expiresAt it is gone
	if _, err := s.Load(ctx, h); err != runtime.ErrNotFound {
		t.Fatalf("Load at expiry: %v, want ErrNotFound", err)
	}
}

func TestDeleteExpiredAndLen(t *testing.T) {
	t.Parallel()
	s, c := clockedStore()
	ctx := context.Background()
	for i := range 5 {
		exp := c.Now().Add(time.Duration(i+1) * time.Minute) // 1..5 minutes
		if err := s.Create(ctx, runtime.TokenHash{byte(i)}, runtime.Record{Data: nil, ExpiresAt: exp}); err != nil {
			t.Fatal(err)
		}
	}
	if n := s.Len(); n != 5 {
		t.Fatalf("Len = %d, want 5", n)
	}
	c.Advance(2*time.Minute + time.Second)
	if n := s.Len(); n != 3 {
		t.Errorf("Len after 2 expired = %d, want 3", n)
	}
	if n, err := s.DeleteExpired(ctx, 1); n != 2 || err != nil {
		t.Errorf("DeleteExpired in batches of 1 = %d, %v; want 2", n, err)
	}
	if n, err := s.DeleteExpired(ctx, 0); n != 0 || err != nil {
		t.Errorf("second DeleteExpired = %d, %v; want 0", n, err)
	}
	if n := s.Len(); n != 3 {
		t.Errorf("Len = %d, want 3", n)
	}
}
