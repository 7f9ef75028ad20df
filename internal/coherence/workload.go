package coherence

import (
	"context"
	"fmt"
	"math/rand/v2"
	"net/http"
	"net/http/httptest"
	"sync"
	"sync/atomic"
	"testing"

	"github.com/sessiongen/sessiongen/runtime"
)

// Deployment is application instances serving Handler over one store.
type Deployment struct {
	// URLs are the instances' base URLs.
	URLs []string
	// HTTP is the browsers' client.
	HTTP *http.Client
	// Stored returns the session under token as the store holds it,
	// behind every instance's back, and whether there is one.
	Stored func(t testing.TB, token string) (View, bool)
	// Check, when not nil, checks the instances once a test's load is over
	// (that none logged an error, say), failing t if they fail it.
	Check func(t *testing.T)
}

// Store is a session store an instance runs on: Handler's "sign out
// everywhere" needs its runtime.UserStore.
type Store interface {
	runtime.Store
	runtime.UserStore
}

// Serve starts an instance over store, a runtime.Manager made with opts
// serving Handler on an HTTP server closed when t ends, and returns its
// base URL.
func Serve(t testing.TB, store Store, opts ...runtime.Option) string {
	t.Helper()
	mgr, err := runtime.NewManager(store, opts...)
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(mgr.Middleware(Handler(store)))
	t.Cleanup(srv.Close)
	return srv.URL
}

// Do sends a request through d's client to the instance at url (see Do).
func (d *Deployment) Do(ctx context.Context, url, method, path, token string) (Reply, error) {
	return Do(ctx, d.HTTP, url, method, path, token)
}

// Device is one browser of a user: the session its cookie names, and what
// the servers acknowledged of it. Its zero value has no session.
type Device struct {
	mu    sync.Mutex // readers take a snapshot under it
	token string     // "" when it has no session
	id    string
	a, b  int
	epoch int // counts the requests that end or move the session, from their start
	bound bool
}

// DeviceState is a snapshot of a Device.
type DeviceState struct {
	Token, ID string // Token is "" when the device has no session
	A, B      int    // the acknowledged counters
	Epoch     int    // counts the requests that end or move the session, from their start
	Bound     bool   // a sign-in bound the session to the device's user
}

// Snapshot returns d's state.
func (d *Device) Snapshot() DeviceState {
	d.mu.Lock()
	defer d.mu.Unlock()
	return DeviceState{Token: d.token, ID: d.id, A: d.a, B: d.b, Epoch: d.epoch, Bound: d.bound}
}

// bury records that d has no session any more.
func (d *Device) bury() {
	d.mu.Lock()
	defer d.mu.Unlock()
	d.token, d.id, d.a, d.b, d.bound = "", "", 0, 0, false
}

// Graveyard holds the tokens whose session a request ended, or moved, and
// that request was acknowledged. Its zero value is empty.
type Graveyard struct {
	mu     sync.Mutex
	tokens []string
}

// Add buries tokens.
func (g *Graveyard) Add(tokens ...string) {
	g.mu.Lock()
	defer g.mu.Unlock()
	g.tokens = append(g.tokens, tokens...)
}

// Pick returns a random buried token, or "".
func (g *Graveyard) Pick(rng *rand.Rand) string {
	g.mu.Lock()
	defer g.mu.Unlock()
	if len(g.tokens) == 0 {
		return ""
	}
	return g.tokens[rng.IntN(len(g.tokens))]
}

// Since returns the tokens buried after the first n.
func (g *Graveyard) Since(n int) []string {
	g.mu.Lock()
	defer g.mu.Unlock()
	return append([]string(nil), g.tokens[n:]...)
}

// Len returns how many tokens are buried.
func (g *Graveyard) Len() int {
	g.mu.Lock()
	defer g.mu.Unlock()
	return len(g.tokens)
}

// Workload is the coherence test's run: users that each drive their
// devices' sessions through random instances, one request at a time, and
// readers that read those sessions, and the ended ones, through random
// instances at the same time. Its state is held by pointer so that a test
// may keep it in fields of its own; NewWorkload sets them all.
type Workload struct {
	Deployment *Deployment
	Tally      Counter
	Users      [][]*Device   // each user's devices
	Dead       *Graveyard    // the ended sessions
	Ops        *atomic.Int64 // requests that write or end sessions
	Reads      *atomic.Int64 // checked reads
	sessions   atomic.Int64  // names new sessions
}

// NewWorkload returns a Workload on d of users with devices each, counting
// into tally.
func NewWorkload(d *Deployment, tally Counter, users, devices int) *Workload {
	w := &Workload{Deployment: d, Tally: tally, Dead: &Graveyard{}, Ops: &atomic.Int64{}, Reads: &atomic.Int64{}}
	for range users {
		var ds []*Device
		for range devices {
			ds = append(ds, &Device{})
		}
		w.Users = append(w.Users, ds)
	}
	return w
}

// instance returns a random instance's URL.
func (l *Workload) instance(rng *rand.Rand) string {
	return l.Deployment.URLs[rng.IntN(len(l.Deployment.URLs))]
}

// User drives user u's devices: ops requests, each to a random instance,
// and after some writes pageReads parallel reads; a failed request is
// counted and logged on t.
func (l *Workload) User(ctx context.Context, t testing.TB, u, ops, pageReads int) {
	rng := rand.New(rand.NewPCG(uint64(u), 12))
	for range ops {
		if ctx.Err() != nil {
			return
		}
		d := l.Users[u][rng.IntN(len(l.Users[u]))]
		inst := l.instance(rng)
		l.Ops.Add(1)
		buried := l.Dead.Len()
		wrote, err := l.Step(ctx, u, d, inst, rng)
		if err != nil {
			l.Tally.Count(Failed)
			t.Logf("user %d: %v", u, err)
			continue
		}
		if wrote && rng.IntN(3) == 0 {
			l.Page(ctx, d, l.instance(rng), pageReads)
		}
		// Sessions whose end or move was acknowledged meanwhile, this one's
		// included, must be gone from every instance at once.
		for _, token := range l.Dead.Since(buried) {
			for _, other := range l.Deployment.URLs {
				l.ReadDead(ctx, other, token)
			}
		}
	}
}

// Step sends one request of user u's device d to the instance at inst,
// chosen at random, and records what it acknowledged. It reports whether
// the request wrote the session's data.
func (l *Workload) Step(ctx context.Context, u int, d *Device, inst string, rng *rand.Rand) (bool, error) {
	now := d.Snapshot()
	if now.Token == "" {
		return true, l.create(ctx, d, inst)
	}
	switch p := rng.IntN(100); {
	case p < 35:
		return true, l.write(ctx, d, inst, "/inc")
	case p < 60:
		return true, l.write(ctx, d, inst, "/upd")
	case p < 72:
		return false, l.move(ctx, d, inst, "/cycle", false)
	case p < 81:
		return false, l.flush(ctx, d, inst)
	case p < 90 || !now.Bound:
		return false, l.move(ctx, d, inst, fmt.Sprintf("/signin?user=user%d", u), true)
	default:
		return false, l.signOutEverywhere(ctx, l.Users[u], d, inst)
	}
}

// create starts a session on d.
func (l *Workload) create(ctx context.Context, d *Device, inst string) error {
	id := fmt.Sprintf("s%d", l.sessions.Add(1))
	rep, err := l.Deployment.Do(ctx, inst, "POST", "/inc?id="+id, "")
	if err != nil {
		return err
	}
	if rep.Token == "" || rep.A != 1 || rep.ID != id {
		return fmt.Errorf("create: token %q, view %+v", rep.Token, rep.View)
	}
	d.mu.Lock()
	defer d.mu.Unlock()
	d.token, d.id, d.a, d.b, d.bound = rep.Token, id, 1, 0, false
	return nil
}

// write increments a counter of d's session through path.
func (l *Workload) write(ctx context.Context, d *Device, inst, path string) error {
	was := d.Snapshot()
	rep, err := l.Deployment.Do(ctx, inst, "POST", path+"?id="+was.ID, was.Token)
	if err != nil {
		return err
	}
	l.checkOwn(rep, was, path)
	d.mu.Lock()
	defer d.mu.Unlock()
	if path == "/inc" {
		// Set stores what the handler computed, right or wrong.
		d.a = rep.A
	} else {
		// Update's compare-and-set stores the increment of what is stored.
		d.b = was.B + 1
	}
	return nil
}

// checkOwn counts a write whose handler did not see what was acknowledged
// before it, as it must, being its session's only writer.
func (l *Workload) checkOwn(rep Reply, was DeviceState, path string) {
	wantA, wantB := was.A, was.B
	switch path {
	case "/inc":
		wantA++
	case "/upd":
		wantB++
	}
	switch {
	case !rep.Found:
		l.Tally.Count(Vanished)
	case rep.ID != was.ID:
		l.Tally.Count(Crossed)
	case rep.A != wantA || rep.B != wantB:
		l.Tally.Count(Stale)
		if path == "/inc" && rep.A < wantA {
			l.Tally.Count(Lost) // Set stored a value older than the acknowledged one
		}
	}
}

// move gives d's session a new token (CycleKey, or SignIn when bind).
func (l *Workload) move(ctx context.Context, d *Device, inst, path string, bind bool) error {
	d.mu.Lock()
	d.epoch++
	was := DeviceState{Token: d.token, ID: d.id, A: d.a, B: d.b}
	d.mu.Unlock()
	rep, err := l.Deployment.Do(ctx, inst, "POST", path, was.Token)
	if err != nil {
		return err
	}
	l.checkOwn(rep, was, path)
	if rep.Token == "" || rep.Gone {
		return fmt.Errorf("%s: no new token", path)
	}
	d.mu.Lock()
	d.token = rep.Token
	d.bound = d.bound || bind
	d.mu.Unlock()
	l.Dead.Add(was.Token)
	return nil
}

// flush signs d out.
func (l *Workload) flush(ctx context.Context, d *Device, inst string) error {
	d.mu.Lock()
	d.epoch++
	token := d.token
	d.mu.Unlock()
	rep, err := l.Deployment.Do(ctx, inst, "POST", "/flush", token)
	if err != nil {
		return err
	}
	if !rep.Gone {
		return fmt.Errorf("flush: the cookie was not expired")
	}
	d.bury()
	l.Dead.Add(token)
	return nil
}

// signOutEverywhere ends, from d, which is signed in, every session of d's
// user bound by a sign-in.
func (l *Workload) signOutEverywhere(ctx context.Context, user []*Device, d *Device, inst string) error {
	var bound []*Device
	var tokens []string
	for _, x := range user {
		x.mu.Lock()
		if x.bound {
			x.epoch++
			bound = append(bound, x)
			tokens = append(tokens, x.token)
		}
		x.mu.Unlock()
	}
	rep, err := l.Deployment.Do(ctx, inst, "POST", "/signout-everywhere", d.Snapshot().Token)
	if err != nil {
		return err
	}
	if rep.Deleted != int64(len(bound)) {
		return fmt.Errorf("sign out everywhere deleted %d sessions, want %d", rep.Deleted, len(bound))
	}
	for _, x := range bound {
		x.bury()
	}
	l.Dead.Add(tokens...)
	return nil
}

// Page reads d's session through the instance at inst with n parallel
// requests, each checked as ReadLive checks it.
func (l *Workload) Page(ctx context.Context, d *Device, inst string, n int) {
	var wg sync.WaitGroup
	for range n {
		wg.Go(func() { l.ReadLive(ctx, d, inst) })
	}
	wg.Wait()
}

// Reader makes n reads, of live sessions and of ended ones, each through
// a random instance; r seeds its choices.
func (l *Workload) Reader(ctx context.Context, r, n int) {
	rng := rand.New(rand.NewPCG(uint64(r), 34))
	for range n {
		if ctx.Err() != nil {
			return
		}
		inst := l.instance(rng)
		if rng.IntN(4) == 0 {
			if token := l.Dead.Pick(rng); token != "" {
				l.ReadDead(ctx, inst, token)
				continue
			}
		}
		user := l.Users[rng.IntN(len(l.Users))]
		l.ReadLive(ctx, user[rng.IntN(len(user))], inst)
	}
}

// ReadLive reads d's session through the instance at inst: it must see
// what was acknowledged before the read started, or later writes, unless a
// request that ends or moves the session started meanwhile.
func (l *Workload) ReadLive(ctx context.Context, d *Device, inst string) {
	was := d.Snapshot()
	if was.Token == "" {
		return
	}
	l.Reads.Add(1)
	rep, err := l.Deployment.Do(ctx, inst, "GET", "/get", was.Token)
	if err != nil {
		if ctx.Err() == nil {
			l.Tally.Count(Failed)
		}
		return
	}
	switch {
	case !rep.Found:
		if d.Snapshot().Epoch == was.Epoch {
			l.Tally.Count(Vanished)
		}
	case rep.ID != was.ID:
		l.Tally.Count(Crossed)
	case rep.A < was.A || rep.B < was.B:
		l.Tally.Count(Stale)
	}
}

// ReadDead reads an ended session through the instance at inst: it must
// be gone.
func (l *Workload) ReadDead(ctx context.Context, inst, token string) {
	l.Reads.Add(1)
	rep, err := l.Deployment.Do(ctx, inst, "GET", "/get", token)
	switch {
	case err != nil:
		if ctx.Err() == nil {
			l.Tally.Count(Failed)
		}
	case rep.Found:
		l.Tally.Count(Resurrected)
	}
}

// Final checks, once the load is over, that the store holds each live
// session's last acknowledged values and none of the ended ones, and that
// every instance reads exactly that.
func (l *Workload) Final(ctx context.Context, t testing.TB) {
	t.Helper()
	for _, user := range l.Users {
		for _, d := range user {
			s := d.Snapshot()
			if s.Token == "" {
				continue
			}
			if v, ok := l.Deployment.Stored(t, s.Token); !ok || v.ID != s.ID || v.A != s.A || v.B != s.B {
				l.Tally.Count(Lost)
				t.Logf("session %s: stored %+v (found %v), acknowledged a=%d b=%d", s.ID, v, ok, s.A, s.B)
			}
			for _, inst := range l.Deployment.URLs {
				for range 2 { // the first read may fill, the second hits
					l.ReadLive(ctx, d, inst)
				}
			}
		}
	}
	for _, token := range l.Dead.Since(0) {
		if _, ok := l.Deployment.Stored(t, token); ok {
			l.Tally.Count(Resurrected)
		}
		for _, inst := range l.Deployment.URLs {
			l.ReadDead(ctx, inst, token)
		}
	}
}
