package runtime_test

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/sessiongen/sessiongen/runtime"
)

// updateRoutes adds to routes read-modify-writes of one key through
// runtime.Update, as the generated UpdateX accessors make them.
func updateRoutes() *http.ServeMux {
	mux := routes()
	mux.HandleFunc("/append", func(w http.ResponseWriter, r *http.Request) {
		item := r.FormValue("item")
		runtime.Update(runtime.FromRequest(r), "cart", func(cart []string, _ bool) []string {
			return append(cart, item)
		})
	})
	mux.HandleFunc("/incr", func(w http.ResponseWriter, r *http.Request) {
		runtime.Update(runtime.FromRequest(r), "n", func(n int, _ bool) int { return n + 1 })
	})
	mux.HandleFunc("/cart", func(w http.ResponseWriter, r *http.Request) {
		cart, _ := runtime.Get[[]string](runtime.FromRequest(r), "cart")
		json.NewEncoder(w).Encode(cart)
	})
	return mux
}

// TestUpdateConcurrentRequests sends 200 concurrent requests on one
// session, each appending an item to its cart, then 200 each incrementing
// a counter, through runtime.Update: no change is lost.
func TestUpdateConcurrentRequests(t *testing.T) {
	const n = 200
	forEachStore(t, func(t *testing.T, kind string) {
		e := newEnv(t, kind, updateRoutes())
		rc := newRawClient(e)
		token := rc.newSessionWith("/set?k=marker&v=m")
		for _, route := range []string{"append", "incr"} {
			results := rc.sendTogether(n, token, func(i int) string { return fmt.Sprintf("/%s?item=i%03d", route, i) })
			for i, r := range results {
				if r.err != nil || r.status != http.StatusOK {
					t.Errorf("%s %d: %d %v %q", route, i, r.status, r.err, r.body)
				}
			}
		}
		rec := e.load(token)
		var cart []string
		if err := json.Unmarshal(rec.Data["cart"], &cart); err != nil {
			t.Fatal(err)
		}
		slices.Sort(cart)
		if len(slices.Compact(slices.Clone(cart))) != n || len(cart) != n {
			t.Errorf("%d concurrent appends left %d items (%d distinct)", n, len(cart), len(slices.Compact(cart)))
		}
		if got := string(rec.Data["n"]); got != strconv.Itoa(n) {
			t.Errorf("%d concurrent increments left n = %s", n, got)
		}
		if string(rec.Data["marker"]) != `"m"` {
			t.Errorf("the other key changed: %s", rec.Data["marker"])
		}
	})
}

// TestUpdateAppliesAgainAfterConflict holds a request between its update
// and its save while another request updates the same key: the held
// request's save finds the key changed, and its function runs again on
// the new value, so both items are kept, with a bounded number of store
// calls.
func TestUpdateAppliesAgainAfterConflict(t *testing.T) {
	forEachStore(t, func(t *testing.T, kind string) {
		updated := newHold()
		var runs atomic.Int64
		mux := updateRoutes()
		mux.HandleFunc("/append-held", func(w http.ResponseWriter, r *http.Request) {
			runtime.Update(runtime.FromRequest(r), "cart", func(cart []string, _ bool) []string {
				runs.Add(1)
				return append(cart, "held")
			})
			updated.here()
		})
		e := newEnv(t, kind, mux)
		rc := newRawClient(e)
		token := rc.newSessionWith("/append?item=first")

		held := make(chan rawResult)
		go func() { held <- rc.send("/append-held", token) }()
		updated.reached()
		if r := rc.send("/append?item=other", token); r.status != http.StatusOK {
			t.Fatalf("the concurrent update: %d %q", r.status, r.body)
		}
		before := e.calls.Load()
		updated.release()
		if r := <-held; r.status != http.StatusOK || r.cookie == nil || r.cookie.Value != token {
			t.Fatalf("the held update: %d %q, cookie %v; want 200 and the same token", r.status, r.body, r.cookie)
		}
		calls := e.calls.Load() - before
		r := rc.send("/cart", token)
		if want := `["first","other","held"]` + "\n"; r.body != want {
			t.Errorf("cart %s, want %s", r.body, want)
		}
		if got := runs.Load(); got != 2 {
			t.Errorf("the held request's function ran %d times, want 2: once in the handler, once after the conflict", got)
		}
		// Both stores settle the conflict themselves (Change.Rebase), with
		// no reload by the middleware. memstore does it in the one Update,
		// under its lock. pgstore's write at the loaded version finds the
		// row moved on, its merge reads the row and finds the
		// compare-and-set fails, and it runs the function again under the
		// row lock: BEGIN, the locking SELECT, the UPDATE, COMMIT.
		want := int64(1)
		if kind == "pgstore" {
			want = 6
		}
		if calls != want {
			t.Errorf("the conflicted save made %d store calls, want %d", calls, want)
		}
	})
}

// TestUpdateCostsNoExtraRoundTrip checks that an update without a conflict
// costs what a Set costs: one load and one write.
func TestUpdateCostsNoExtraRoundTrip(t *testing.T) {
	forEachStore(t, func(t *testing.T, kind string) {
		e := newEnv(t, kind, updateRoutes())
		rc := newRawClient(e)
		token := rc.newSessionWith("/append?item=first")
		for _, path := range []string{"/set?k=other&v=1", "/append?item=second", "/incr"} {
			before := e.calls.Load()
			if r := rc.send(path, token); r.status != http.StatusOK {
				t.Fatalf("%s: %d", path, r.status)
			}
			if got := e.calls.Load() - before; got != 2 {
				t.Errorf("%s: %d store calls, want 2", path, got)
			}
		}
	})
}

// conflictingStore is a store whose Updates always find that a concurrent
// request changed an updated key, as under endless contention.
type conflictingStore struct {
	runtime.Store
	updates atomic.Int64
}

func (s *conflictingStore) Update(ctx context.Context, h runtime.TokenHash, c runtime.Change) error {
	if len(c.Expect) > 0 {
		s.updates.Add(1)
		return runtime.ErrConflict
	}
	return s.Store.Update(ctx, h, c)
}

// TestUpdateGivesUpAfterBoundedAttempts checks that a save whose update
// keeps conflicting stops after MaxUpdateAttempts writes and answers
// through the error handler, 409 by default, writing nothing.
func TestUpdateGivesUpAfterBoundedAttempts(t *testing.T) {
	forEachStore(t, func(t *testing.T, kind string) {
		e := newStoreEnv(t, kind)
		store := &conflictingStore{Store: e.store}
		e.store = store
		e.start(updateRoutes())
		rc := newRawClient(e)
		token := rc.newSessionWith("/set?k=marker&v=m")
		r := rc.send("/append?item=x", token)
		if r.status != http.StatusConflict || r.cookie != nil {
			t.Errorf("endless conflicts: %d %q, cookie %v; want 409 and no cookie", r.status, r.body, r.cookie)
		}
		if got := store.updates.Load(); got != runtime.MaxUpdateAttempts {
			t.Errorf("%d write attempts, want MaxUpdateAttempts = %d", got, runtime.MaxUpdateAttempts)
		}
		if rec, err := e.stored(token); err != nil || rec.Data["cart"] != nil {
			t.Errorf("after giving up: %v %s", err, rec.Data)
		}
		if !strings.Contains(e.logs.String(), runtime.ErrConflict.Error()) {
			t.Errorf("the conflict is not logged:\n%s", e.logs)
		}
	})
}

// TestSetStaysLastWriterWins holds a request that set a key while another
// request sets the same key: the held request's save overwrites it,
// without a conflict, as documented for Set; and Set after Update in one
// request makes the save plain too.
func TestSetStaysLastWriterWins(t *testing.T) {
	forEachStore(t, func(t *testing.T, kind string) {
		set := newHold()
		mux := updateRoutes()
		mux.HandleFunc("/set-held", func(w http.ResponseWriter, r *http.Request) {
			runtime.Set(runtime.FromRequest(r), "k", "held")
			set.here()
		})
		mux.HandleFunc("/update-then-set", func(w http.ResponseWriter, r *http.Request) {
			s := runtime.FromRequest(r)
			runtime.Update(s, "cart", func(cart []string, _ bool) []string { return append(cart, "updated") })
			runtime.Set(s, "cart", []string{"set"})
		})
		e := newStoreEnv(t, kind)
		store := &conflictingStore{Store: e.store}
		e.store = store
		e.start(mux)
		rc := newRawClient(e)
		token := rc.newSessionWith("/set?k=k&v=first")
		held := make(chan rawResult)
		go func() { held <- rc.send("/set-held", token) }()
		set.reached()
		rc.send("/set?k=k&v=other", token)
		set.release()
		if r := <-held; r.status != http.StatusOK {
			t.Fatalf("held set: %d %q", r.status, r.body)
		}
		if r := rc.send("/get?k=k", token); r.body != "held" {
			t.Errorf("k = %q, want the last writer's, held", r.body)
		}
		if r := rc.send("/update-then-set", token); r.status != http.StatusOK {
			t.Errorf("update then set: %d, want 200 with no compare-and-set", r.status)
		}
		if r := rc.send("/cart", token); r.body != `["set"]`+"\n" {
			t.Errorf("cart after update then set: %s", r.body)
		}
		if got := store.updates.Load(); got != 0 {
			t.Errorf("%d conditional writes for plain sets", got)
		}
	})
}

// TestConcurrentWritesStayWithinTheSizeLimit sends 8 concurrent requests,
// each adding a 40 KB value under a key of its own, to one session under
// the default 64 KiB limit: each passes the middleware's check alone, but
// the store's write lets no more in than fits, the others fail with 500,
// and the session can still be saved afterwards.
func TestConcurrentWritesStayWithinTheSizeLimit(t *testing.T) {
	const writers, size = 8, 40_000
	forEachEnv(t, func(t *testing.T, e *env) {
		rc := newRawClient(e)
		token := rc.newSessionWith("/set?k=a&v=1")
		results := rc.sendTogether(writers, token, func(i int) string {
			return fmt.Sprintf("/set?k=big%d&v=%s", i, strings.Repeat("x", size))
		})
		ok := 0
		for i, r := range results {
			switch r.status {
			case http.StatusOK:
				ok++
			case http.StatusInternalServerError:
			default:
				t.Errorf("writer %d: %d %q", i, r.status, r.body)
			}
		}
		rec := e.load(token)
		n := 0
		for k, v := range rec.Data {
			n += len(k) + len(v)
		}
		if n > runtime.DefaultMaxSize || ok != 1 {
			t.Errorf("%d of %d concurrent 40 KB writes passed, leaving %d bytes; the limit is %d", ok, writers, n, runtime.DefaultMaxSize)
		}
		if r := rc.send("/set?k=a&v=2", token); r.status != http.StatusOK {
			t.Errorf("a small save after the race: %d %q", r.status, r.body)
		}
		if !strings.Contains(e.logs.String(), runtime.ErrTooLarge.Error()) {
			t.Errorf("refused writes not logged as too large:\n%s", e.logs)
		}
	})
}
