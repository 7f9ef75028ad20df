package memstore_test

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"testing"
	"time"

	"github.com/sessiongen/sessiongen/runtime"
	"github.com/sessiongen/sessiongen/runtime/memstore"
)

func TestDeleteKey(t *testing.T) {
	for _, batch := range []int{0, 1, 7, 100} {
		t.Run(fmt.Sprint("batch ", batch), func(t *testing.T) {
			now := time.Now()
			s := memstore.New(memstore.WithClock(func() time.Time { return now }))
			ctx := context.Background()
			for i := range 30 {
				data := map[string]json.RawMessage{"theme": json.RawMessage(`"dark"`)}
				if i%3 == 0 {
					data["basket"] = json.RawMessage(`[1,2]`)
				}
				exp := now.Add(time.Hour)
				if i%5 == 0 {
					exp = now.Add(time.Minute) // expires below
				}
				if err := s.Create(ctx, runtime.TokenHash{byte(i + 1)}, runtime.Record{Data: data, ExpiresAt: exp}); err != nil {
					t.Fatal(err)
				}
			}
			held, err := s.Load(ctx, runtime.TokenHash{1})
			if err != nil {
				t.Fatal(err)
			}
			now = now.Add(2 * time.Minute)

			n, err := s.DeleteKey(ctx, "basket", batch)
			if n != 10 || err != nil {
				t.Errorf("DeleteKey = %d, %v, want 10 sessions", n, err)
			}
			if string(held.Data["basket"]) != "[1,2]" {
				t.Error("DeleteKey changed a record handed out before")
			}
			for i := range 30 {
				if i%5 == 0 {
					continue // expired: DeleteKey cleared it too, as the second run shows
				}
				rec, err := s.Load(ctx, runtime.TokenHash{byte(i + 1)})
				if err != nil {
					t.Fatal(err)
				}
				if len(rec.Data) != 1 || string(rec.Data["theme"]) != `"dark"` {
					t.Errorf("session %d after DeleteKey: %s", i, rec.Data)
				}
			}
			if n, err := s.DeleteKey(ctx, "basket", batch); n != 0 || err != nil {
				t.Errorf("second DeleteKey = %d, %v", n, err)
			}
		})
	}
}

func TestDeleteKeyErrors(t *testing.T) {
	s := memstore.New()
	ctx, cancel := context.WithCancel(context.Background())
	if err := s.Create(ctx, runtime.TokenHash{1}, runtime.Record{ExpiresAt: time.Now().Add(time.Hour)}); err != nil {
		t.Fatal(err)
	}
	cancel()
	if _, err := s.DeleteKey(ctx, "basket", 1); !errors.Is(err, context.Canceled) {
		t.Errorf("DeleteKey with a canceled context = %v, want context.Canceled", err)
	}
	if _, err := s.DeleteKey(context.Background(), "", 1); err == nil {
		t.Error("DeleteKey accepted an empty key")
	}
}
