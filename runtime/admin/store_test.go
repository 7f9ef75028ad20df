package admin_test

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/sessiongen/sessiongen/runtime"
)

// The stores' admin methods, checked against both stores alike.

func TestStoreListSessions(t *testing.T) {
	forEachStore(t, func(t *testing.T, s runtime.AdminStore) {
		ctx := context.Background()
		var hashes []runtime.TokenHash // oldest first
		for i := range 7 {
			sd := seed{user: "bob", ua: "agent"}
			switch {
			case i%3 == 0:
				sd.user = "alice"
			case i == 4:
				sd.user = ""
			}
			if i == 1 {
				sd.expiresIn = -time.Hour // expired rows are listed too
			}
			_, h := put(t, s, sd)
			hashes = append(hashes, h)
		}
		tests := []struct {
			name          string
			user          string
			offset, limit int
			want          []int // indexes into hashes
			total         int64
		}{
			{"first page", "", 0, 3, []int{6, 5, 4}, 7},
			{"middle page", "", 3, 3, []int{3, 2, 1}, 7},
			{"last page", "", 6, 3, []int{0}, 7},
			{"past the end", "", 9, 3, []int{}, 7},
			{"all at once", "", 0, 100, []int{6, 5, 4, 3, 2, 1, 0}, 7},
			{"one user", "alice", 0, 10, []int{6, 3, 0}, 3},
			{"one user paged", "bob", 1, 2, []int{2, 1}, 3},
			{"unknown user", "carol", 0, 10, []int{}, 0},
		}
		for _, tt := range tests {
			infos, total, err := s.ListSessions(ctx, tt.user, tt.offset, tt.limit)
			if err != nil {
				t.Fatalf("%s: %v", tt.name, err)
			}
			if total != tt.total {
				t.Errorf("%s: total %d, want %d", tt.name, total, tt.total)
			}
			if len(infos) != len(tt.want) {
				t.Fatalf("%s: %d sessions, want %d", tt.name, len(infos), len(tt.want))
			}
			for i, w := range tt.want {
				if infos[i].Hash != hashes[w] {
					t.Errorf("%s: row %d is session %s, want #%d %s", tt.name, i, infos[i].Hash, w, hashes[w])
				}
			}
		}
		infos, _, err := s.ListSessions(ctx, "", 0, 100)
		if err != nil {
			t.Fatal(err)
		}
		for i, info := range infos {
			if i > 0 && info.CreatedAt.After(infos[i-1].CreatedAt) {
				t.Errorf("row %d created %v, after row %d (%v): not newest first", i, info.CreatedAt, i-1, infos[i-1].CreatedAt)
			}
			if info.UserAgent != "agent" || info.CreatedAt.IsZero() || info.UpdatedAt.IsZero() || info.ExpiresAt.IsZero() {
				t.Errorf("row %d lacks metadata: %+v", i, info)
			}
		}
		for _, bad := range [][2]int{{-1, 10}, {0, 0}, {0, -5}} {
			if _, _, err := s.ListSessions(ctx, "", bad[0], bad[1]); err == nil {
				t.Errorf("ListSessions(offset %d, limit %d) did not fail", bad[0], bad[1])
			}
		}
	})
}

func TestStoreFindSession(t *testing.T) {
	forEachStore(t, func(t *testing.T, s runtime.AdminStore) {
		ctx := context.Background()
		_, live := put(t, s, seed{data: map[string]string{"theme": `"dark"`}, user: "u", ua: "Firefox"})
		_, expired := put(t, s, seed{data: map[string]string{"theme": `"light"`}, expiresIn: -time.Minute})
		rec, err := s.FindSession(ctx, live)
		if err != nil {
			t.Fatal(err)
		}
		if string(rec.Data["theme"]) != `"dark"` || rec.UserID != "u" || rec.UserAgent != "Firefox" || rec.CreatedAt.IsZero() {
			t.Errorf("live session: %+v", rec)
		}
		// Load no longer sees the expired one; FindSession still does.
		if _, err := s.Load(ctx, expired); !errors.Is(err, runtime.ErrNotFound) {
			t.Fatalf("Load of an expired session: %v", err)
		}
		rec, err = s.FindSession(ctx, expired)
		if err != nil {
			t.Fatalf("FindSession of an expired session: %v", err)
		}
		if string(rec.Data["theme"]) != `"light"` || rec.ExpiresAt.After(time.Now()) {
			t.Errorf("expired session: %+v", rec)
		}
		_, missing := newToken(t)
		if _, err := s.FindSession(ctx, missing); !errors.Is(err, runtime.ErrNotFound) {
			t.Errorf("FindSession of a missing session: %v, want ErrNotFound", err)
		}
		// What it returns is the caller's.
		rec.Data["theme"][1] = 'X'
		again, _ := s.FindSession(ctx, expired)
		if string(again.Data["theme"]) != `"light"` {
			t.Errorf("changing a returned record changed the store: %s", again.Data["theme"])
		}
	})
}
