package runtime_test

import (
	"maps"
	"net/http"
	"sync"
	"testing"

	"github.com/sessiongen/sessiongen/runtime"
)

// eventCounts counts the events a Manager reports.
type eventCounts struct {
	mu sync.Mutex
	n  map[string]int
}

func (c *eventCounts) observe(e runtime.Event) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.n[e.String()]++
}

// take returns the counts so far and starts again.
func (c *eventCounts) take() map[string]int {
	c.mu.Lock()
	defer c.mu.Unlock()
	n := c.n
	c.n = map[string]int{}
	return n
}

// TestMetricsCountWhatHappened drives a session through its life and
// checks the events reported for each request.
func TestMetricsCountWhatHappened(t *testing.T) {
	forEachStore(t, func(t *testing.T, kind string) {
		counts := &eventCounts{n: map[string]int{}}
		e := newStoreEnv(t, kind)
		failing := &failingLoads{Store: e.store}
		e.store = failing
		e.start(updateRoutes(), runtime.WithMetrics(counts.observe))
		rc := newRawClient(e)
		steps := []struct {
			path  string
			token string // "current", "unknown" or none
			fail  bool
			want  map[string]int
		}{
			{"/nothing", "", false, map[string]int{}},
			{"/set?k=a&v=1", "", false, map[string]int{"created": 1}},
			{"/get?k=a", "current", false, map[string]int{"loaded": 1}},
			{"/append?item=x", "current", false, map[string]int{"loaded": 1, "saved": 1}},
			{"/cycle", "current", false, map[string]int{"loaded": 1, "saved": 1}},
			{"/get?k=a", "unknown", false, map[string]int{"not_found": 1}},
			{"/get?k=a", "current", true, map[string]int{"load_failed": 1}},
			{"/flush", "current", false, map[string]int{"deleted": 1}},
		}
		token := ""
		for _, st := range steps {
			failing.on.Store(st.fail)
			var r rawResult
			switch st.token {
			case "current":
				r = rc.send(st.path, token)
			case "unknown":
				r = rc.send(st.path, randomToken())
			default:
				r = rc.send(st.path)
			}
			if r.cookie != nil && r.cookie.MaxAge > 0 {
				token = r.cookie.Value
			}
			if got := counts.take(); !maps.Equal(got, st.want) {
				t.Errorf("%s (%s token): events %v, want %v", st.path, st.token, got, st.want)
			}
			if r.status != http.StatusOK && !st.fail {
				t.Errorf("%s: %d", st.path, r.status)
			}
		}
	})
}

// TestEventNames checks that every event has a name of its own, safe as a
// metric label.
func TestEventNames(t *testing.T) {
	seen := map[string]bool{}
	for _, e := range runtime.Events() {
		name := e.String()
		if name == "unknown" || seen[name] {
			t.Errorf("event %d is named %q", e, name)
		}
		seen[name] = true
	}
	if len(seen) < 10 {
		t.Errorf("only %d events", len(seen))
	}
}
