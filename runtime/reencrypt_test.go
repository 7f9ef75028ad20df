package runtime_test

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/sessiongen/sessiongen/internal/pgstoretest"
	"github.com/sessiongen/sessiongen/internal/pgtest"
	"github.com/sessiongen/sessiongen/internal/syncbuf"
	"github.com/sessiongen/sessiongen/runtime"
	"github.com/sessiongen/sessiongen/runtime/keyring"
	"github.com/sessiongen/sessiongen/runtime/memstore"
)

// listingStore is a store that Reencrypt can page through.
type listingStore interface {
	runtime.Store
	runtime.Lister
}

// forEachListingStore runs f as a subtest against a fresh memstore and a
// fresh pgstore.
func forEachListingStore(t *testing.T, f func(t *testing.T, store listingStore)) {
	t.Helper()
	for _, kind := range storeKinds {
		t.Run(kind, func(t *testing.T) {
			t.Parallel()
			if kind == "memstore" {
				f(t, memstore.New())
				return
			}
			store, _ := pgstoretest.New(t)
			f(t, store)
		})
	}
}

// openedAt returns the plaintext of the stored value raw of key, and the
// place in ring of the key that opens it, failing t when none does.
func openedAt(t *testing.T, ring *keyring.Ring, key string, raw json.RawMessage) (string, int) {
	t.Helper()
	var text string
	if err := json.Unmarshal(raw, &text); err != nil {
		t.Fatalf("%s is stored as %s, not a sealed string", key, raw)
	}
	p, at, err := ring.Open(key, text)
	if err != nil {
		t.Fatalf("%s does not open: %v", key, err)
	}
	return string(p), at
}

// TestReencrypt seeds sessions whose encrypted keys hold values sealed
// under an old key, in plaintext, under a key the ring lacks and under the
// new key, and an expired session, and reencrypts them in batches smaller
// than their number: each old or plaintext value is sealed under the new
// key, the others and every other key are left as they were, and so are
// expiries; a second run has nothing to do.
func TestReencrypt(t *testing.T) {
	const sessions, batch = 23, 5
	oldKey, newKey := testKey(1), testKey(2)
	oldRing, newRing := testRing(t, oldKey), testRing(t, newKey)
	ring := testRing(t, newKey, oldKey)
	keys := []string{"api_token", "otp", "pin", "notes", "absent"}
	forEachListingStore(t, func(t *testing.T, store listingStore) {
		ctx := context.Background()
		expires := time.Now().Add(time.Hour).Truncate(time.Millisecond)
		data := func(i int) map[string]json.RawMessage {
			return map[string]json.RawMessage{
				"api_token": sealedJSON(oldRing, "api_token", fmt.Sprintf(`"tok-%d"`, i)),
				"otp":       json.RawMessage(fmt.Sprintf(`{"code": %d}`, i)), // stored before otp was encrypted
				"pin":       sealedJSON(testRing(t, testKey(9)), "pin", `"1234"`),
				"notes":     sealedJSON(newRing, "notes", `"current"`),
				"keep":      sealedJSON(oldRing, "keep", `"not an encrypted key"`),
			}
		}
		hashes := make([]runtime.TokenHash, sessions)
		for i := range hashes {
			_, hashes[i] = runtime.NewToken()
			if err := store.Create(ctx, hashes[i], runtime.Record{Data: data(i), ExpiresAt: expires}); err != nil {
				t.Fatal(err)
			}
		}
		_, expired := runtime.NewToken()
		if err := store.Create(ctx, expired, runtime.Record{Data: data(-1), ExpiresAt: time.Now().Add(-time.Minute)}); err != nil {
			t.Fatal(err)
		}
		before := map[runtime.TokenHash]runtime.Record{}
		for _, h := range append(hashes, expired) {
			rec, err := store.FindSession(ctx, h)
			if err != nil {
				t.Fatal(err)
			}
			before[h] = rec
		}

		res, err := runtime.Reencrypt(ctx, store, ring, keys, batch)
		want := runtime.ReencryptResult{Sessions: sessions, Values: 2 * sessions, Unopened: sessions}
		if err != nil || res != want {
			t.Fatalf("Reencrypt = %+v, %v; want %+v", res, err, want)
		}
		for i, h := range hashes {
			rec, err := store.FindSession(ctx, h)
			if err != nil {
				t.Fatal(err)
			}
			if p, at := openedAt(t, newRing, "api_token", rec.Data["api_token"]); p != fmt.Sprintf(`"tok-%d"`, i) || at != 0 {
				t.Errorf("session %d: api_token opens as %s", i, p)
			}
			var otp struct{ Code int }
			p, _ := openedAt(t, newRing, "otp", rec.Data["otp"])
			if err := json.Unmarshal([]byte(p), &otp); err != nil || otp.Code != i {
				t.Errorf("session %d: otp opens as %s (%v)", i, p, err)
			}
			for _, k := range []string{"pin", "notes", "keep"} {
				if string(rec.Data[k]) != string(before[h].Data[k]) {
					t.Errorf("session %d: %s changed from %s to %s", i, k, before[h].Data[k], rec.Data[k])
				}
			}
			if !rec.ExpiresAt.Equal(before[h].ExpiresAt) {
				t.Errorf("session %d: expiry moved from %v to %v", i, before[h].ExpiresAt, rec.ExpiresAt)
			}
		}
		if rec, err := store.FindSession(ctx, expired); err != nil || string(rec.Data["api_token"]) != string(before[expired].Data["api_token"]) {
			t.Errorf("the expired session was rewritten: %v", err)
		}

		res, err = runtime.Reencrypt(ctx, store, ring, keys, 0)
		if want := (runtime.ReencryptResult{Unopened: sessions}); err != nil || res != want {
			t.Errorf("a second Reencrypt = %+v, %v; want %+v", res, err, want)
		}
	})
}

// TestReencryptLosesNoWrite reencrypts, again and again, while an
// application instance keeps updating the encrypted value of each of its
// sessions with the ring the other way round (the old key first, as an
// instance not yet rotated has it), so that nearly every update leaves a
// value for Reencrypt to reseal: no update is lost.
func TestReencryptLosesNoWrite(t *testing.T) {
	const sessions, updates = 8, 25
	oldKey, newKey := testKey(1), testKey(2)
	forEachListingStore(t, func(t *testing.T, store listingStore) {
		e := &env{t: t, store: store, logs: &syncbuf.Buffer{}, calls: &pgtest.Counter{}}
		e.start(policyRoutes(), runtime.WithKeyRing(testRing(t, oldKey, newKey)))
		tokens := make([]string, sessions)
		for i := range tokens {
			c := e.newClient()
			e.do(c, "GET", "/p/set?k=api_token&enc=1&v=")
			tokens[i] = cookieValue(t, e, c)
		}

		var done atomic.Bool
		var resealed atomic.Int64
		reencrypted := make(chan error, 1)
		go func() {
			ring := testRing(t, newKey, oldKey)
			for !done.Load() {
				res, err := runtime.Reencrypt(context.Background(), store, ring, []string{"api_token"}, 3)
				if err != nil {
					reencrypted <- err
					return
				}
				resealed.Add(res.Values)
			}
			reencrypted <- nil
		}()
		var wg sync.WaitGroup
		var failed atomic.Int64
		for _, token := range tokens {
			wg.Go(func() {
				c := e.newClientWith(token)
				for range updates {
					if resp, _ := e.do(c, "GET", "/p/update?k=api_token&enc=1&v=x"); resp.StatusCode != 200 {
						failed.Add(1)
					}
				}
			})
		}
		wg.Wait()
		done.Store(true)
		if err := <-reencrypted; err != nil {
			t.Fatal(err)
		}
		if failed.Load() != 0 {
			t.Errorf("%d updates failed", failed.Load())
		}
		lost := 0
		for i, token := range tokens {
			rec := e.load(token)
			p, _ := openedAt(t, testRing(t, newKey, oldKey), "api_token", rec.Data["api_token"])
			if p != `"`+strings.Repeat("x", updates)+`"` {
				lost++
				t.Errorf("session %d: api_token opens as %s, want %d x", i, p, updates)
			}
		}
		t.Logf("%d values resealed while %d updates ran; %d sessions lost an update", resealed.Load(), sessions*updates, lost)
		if resealed.Load() == 0 {
			t.Error("Reencrypt resealed nothing: the test did not race it with the updates")
		}
	})
}

// cookieValue returns the session token in the jar of c, failing t when
// there is none.
func cookieValue(t *testing.T, e *env, c *http.Client) string {
	t.Helper()
	for _, ck := range c.Jar.Cookies(mustURL(t, e.srv.URL)) {
		if ck.Name == runtime.DefaultCookieName {
			return ck.Value
		}
	}
	t.Fatal("no session cookie")
	return ""
}
