package session_test

import (
	"context"
	"net/http"
	"net/http/cookiejar"
	"net/http/httptest"
	"os"
	"reflect"
	"testing"
	"time"

	"example.com/app/model"
	"example.com/app/session"
	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/sessiongen/sessiongen/runtime"
	"github.com/sessiongen/sessiongen/runtime/memstore"
	"github.com/sessiongen/sessiongen/runtime/pgstore"
)

// stores returns the stores to test: memstore, and pgstore when the
// parent test passed a database.
func stores(t *testing.T) map[string]runtime.Store {
	s := map[string]runtime.Store{"memstore": memstore.New()}
	url := os.Getenv("SESSIONGEN_TEST_DATABASE_URL")
	if url == "" {
		t.Log("SESSIONGEN_TEST_DATABASE_URL not set: testing memstore only")
		return s
	}
	ctx := context.Background()
	pool, err := pgxpool.New(ctx, url)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(pool.Close)
	if err := pgstore.Migrate(ctx, pool); err != nil {
		t.Fatal(err)
	}
	s["pgstore"] = pgstore.New(pool)
	return s
}

// values is one value of every key.
type values struct {
	UserID      int64
	SignedIn    bool
	Name        string
	Visits      int
	Small       int8
	Medium      int16
	Large       int32
	Count       uint
	Flags       uint8
	Port        uint16
	Code        uint32
	Mask        uint64
	Raw         byte
	Initial     rune
	Ratio       float32
	Score       float64
	LastSeen    time.Time
	Idle        time.Duration
	Month       time.Month
	CartItems   []int64
	Blob        []byte
	Matrix      [][]float64
	Counts      map[string]int
	Groups      map[string][]string
	History     []map[string]time.Time
	Prefs       model.Prefs
	RecentPrefs []model.Prefs
	PrefsBySite map[string]model.Prefs
	APIToken    string
	Theme       string
	PageSize    uint8
	Timeout     time.Duration
	Tags        []string
	Limits      map[string][]int
}

var want = values{
	UserID:      -1 << 63,
	SignedIn:    true,
	Name:        "Zoë \"quoted\" <b>&</b> 😀",
	Visits:      42,
	Small:       -128,
	Medium:      32767,
	Large:       -2147483648,
	Count:       7,
	Flags:       255,
	Port:        8080,
	Code:        4294967295,
	Mask:        18446744073709551615,
	Raw:         'x',
	Initial:     'ß',
	Ratio:       0.1,
	Score:       1e300,
	LastSeen:    time.Date(2024, 2, 29, 23, 59, 59, 123456789, time.UTC),
	Idle:        90 * time.Minute,
	Month:       time.December,
	CartItems:   []int64{1, 2, 3},
	Blob:        []byte{0, 1, 2, 255},
	Matrix:      [][]float64{{1.5, -2}, {}},
	Counts:      map[string]int{"a": 1, "b": 2},
	Groups:      map[string][]string{"admins": {"ann"}, "none": {}},
	History:     []map[string]time.Time{{"login": time.Date(2023, 1, 1, 0, 0, 0, 0, time.UTC)}},
	Prefs:       model.Prefs{Theme: "dark", Langs: []string{"en", "fr"}, Extra: map[string]int{"x": 1}},
	RecentPrefs: []model.Prefs{{Theme: "a"}, {Theme: "b"}},
	PrefsBySite: map[string]model.Prefs{"shop": {Theme: "c", Langs: []string{"de"}}},
	APIToken:    "secret",
	Theme:       "dark",
	PageSize:    50,
	Timeout:     time.Second,
	Tags:        []string{},
	Limits:      map[string][]int{"z": {9}},
}

// set stores v through the generated setters.
func set(sess *session.Session, v values) {
	sess.SetUserID(v.UserID)
	sess.SetSignedIn(v.SignedIn)
	sess.SetName(v.Name)
	sess.SetVisits(v.Visits)
	sess.SetSmall(v.Small)
	sess.SetMedium(v.Medium)
	sess.SetLarge(v.Large)
	sess.SetCount(v.Count)
	sess.SetFlags(v.Flags)
	sess.SetPort(v.Port)
	sess.SetCode(v.Code)
	sess.SetMask(v.Mask)
	sess.SetRaw(v.Raw)
	sess.SetInitial(v.Initial)
	sess.SetRatio(v.Ratio)
	sess.SetScore(v.Score)
	sess.SetLastSeen(v.LastSeen)
	sess.SetIdle(v.Idle)
	sess.SetMonth(v.Month)
	sess.SetCartItems(v.CartItems)
	sess.SetBlob(v.Blob)
	sess.SetMatrix(v.Matrix)
	sess.SetCounts(v.Counts)
	sess.SetGroups(v.Groups)
	sess.SetHistory(v.History)
	sess.SetPrefs(v.Prefs)
	sess.SetRecentPrefs(v.RecentPrefs)
	sess.SetPrefsBySite(v.PrefsBySite)
	sess.SetAPIToken(v.APIToken)
	sess.SetTheme(v.Theme)
	sess.SetPageSize(v.PageSize)
	sess.SetTimeout(v.Timeout)
	sess.SetTags(v.Tags)
	sess.SetLimits(v.Limits)
}

// get reads every key through the generated getters.
func get(sess *session.Session) values {
	return values{
		UserID:      sess.UserID(),
		SignedIn:    sess.SignedIn(),
		Name:        sess.Name(),
		Visits:      sess.Visits(),
		Small:       sess.Small(),
		Medium:      sess.Medium(),
		Large:       sess.Large(),
		Count:       sess.Count(),
		Flags:       sess.Flags(),
		Port:        sess.Port(),
		Code:        sess.Code(),
		Mask:        sess.Mask(),
		Raw:         sess.Raw(),
		Initial:     sess.Initial(),
		Ratio:       sess.Ratio(),
		Score:       sess.Score(),
		LastSeen:    sess.LastSeen(),
		Idle:        sess.Idle(),
		Month:       sess.Month(),
		CartItems:   sess.CartItems(),
		Blob:        sess.Blob(),
		Matrix:      sess.Matrix(),
		Counts:      sess.Counts(),
		Groups:      sess.Groups(),
		History:     sess.History(),
		Prefs:       sess.Prefs(),
		RecentPrefs: sess.RecentPrefs(),
		PrefsBySite: sess.PrefsBySite(),
		APIToken:    sess.APIToken(),
		Theme:       sess.Theme(),
		PageSize:    sess.PageSize(),
		Timeout:     sess.Timeout(),
		Tags:        sess.Tags(),
		Limits:      sess.Limits(),
	}
}

// checkFresh checks what a new session returns: defaults, zero values,
// and fresh copies of composite defaults.
func checkFresh(t *testing.T, sess *session.Session) {
	if got := sess.Theme(); got != "light" {
		t.Errorf("Theme() = %q, want the default light", got)
	}
	if got := sess.PageSize(); got != 20 {
		t.Errorf("PageSize() = %d, want the default 20", got)
	}
	if got := sess.Timeout(); got != 90*time.Second {
		t.Errorf("Timeout() = %v, want the default 90s", got)
	}
	tags := sess.Tags()
	tags[0] = "changed"
	if got := sess.Tags(); !reflect.DeepEqual(got, []string{"new", "sale"}) {
		t.Errorf("Tags() after changing a returned default = %q", got)
	}
	limits := sess.Limits()
	limits["a"][0] = 100
	limits["c"] = nil
	if got := sess.Limits(); !reflect.DeepEqual(got, map[string][]int{"a": {1, 2}, "b": {}}) {
		t.Errorf("Limits() after changing a returned default = %v", got)
	}
	if v, ok := sess.LookupTheme(); ok || v != "" {
		t.Errorf("LookupTheme() = %q, %v on a new session", v, ok)
	}
	if v, ok := sess.LookupCartItems(); ok || v != nil {
		t.Errorf("LookupCartItems() = %v, %v on a new session", v, ok)
	}
	if got := sess.UserID(); got != 0 {
		t.Errorf("UserID() = %d on a new session", got)
	}
	if !sess.IsEmpty() {
		t.Error("IsEmpty() = false on a new session")
	}
}

func TestRoundTrip(t *testing.T) {
	for name, store := range stores(t) {
		t.Run(name, func(t *testing.T) {
			mux := http.NewServeMux()
			mux.HandleFunc("/set", func(w http.ResponseWriter, r *http.Request) {
				sess := session.From(r)
				checkFresh(t, sess)
				set(sess, want)
				sess.SetNotice("saved")
				items := want.CartItems
				items[0] = 99 // the session keeps its own copy
				defer func() { items[0] = 1 }()
				if err := sess.Err(); err != nil {
					t.Errorf("Err() = %v", err)
				}
			})
			mux.HandleFunc("/get", func(w http.ResponseWriter, r *http.Request) {
				sess := session.From(r)
				if got := get(sess); !reflect.DeepEqual(got, want) {
					t.Errorf("read back\n%+v\nwant\n%+v", got, want)
				}
				if v, ok := sess.LookupCartItems(); !ok || !reflect.DeepEqual(v, want.CartItems) {
					t.Errorf("LookupCartItems() = %v, %v", v, ok)
				}
				items := sess.CartItems()
				items[0] = 1000
				if got := sess.CartItems(); got[0] != want.CartItems[0] {
					t.Errorf("changing a returned slice changed the session: %v", got)
				}
				if v, ok := sess.PopNotice(); !ok || v != "saved" {
					t.Errorf("PopNotice() = %q, %v, want saved, true", v, ok)
				}
				if v, ok := sess.PopNotice(); ok || v != "" {
					t.Errorf("second PopNotice() = %q, %v, want the flash value gone", v, ok)
				}
				sess.DeleteTheme()
				if got := sess.Theme(); got != "light" {
					t.Errorf("Theme() after DeleteTheme() = %q, want the default", got)
				}
				if ctxSess, ok := session.FromContext(r.Context()); !ok || ctxSess.UserID() != want.UserID {
					t.Errorf("FromContext() = %v, %v", ctxSess, ok)
				}
			})
			mgr, err := runtime.NewManager(store)
			if err != nil {
				t.Fatal(err)
			}
			srv := httptest.NewServer(mgr.Middleware(mux))
			defer srv.Close()
			jar, err := cookiejar.New(nil)
			if err != nil {
				t.Fatal(err)
			}
			client := &http.Client{Jar: jar}
			for _, path := range []string{"/set", "/get"} {
				resp, err := client.Get(srv.URL + path)
				if err != nil {
					t.Fatal(err)
				}
				resp.Body.Close()
				if resp.StatusCode != http.StatusOK {
					t.Fatalf("GET %s: %s", path, resp.Status)
				}
			}
		})
	}
}

func TestKeys(t *testing.T) {
	keys := session.Keys()
	if len(keys) != 35 {
		t.Fatalf("Keys() has %d keys, want 35", len(keys))
	}
	first := runtime.KeyInfo{Name: "user_id", GoType: "int64", Doc: "ID of the signed-in user."}
	if keys[0] != first {
		t.Errorf("Keys()[0] = %+v, want %+v", keys[0], first)
	}
	byName := map[string]runtime.KeyInfo{}
	for _, k := range keys {
		byName[k.Name] = k
	}
	if k := byName["api_token"]; !k.Sensitive || k.Flash {
		t.Errorf("api_token: %+v", k)
	}
	if k := byName["notice"]; !k.Flash {
		t.Errorf("notice: %+v", k)
	}
	if k := byName["prefs_by_site"]; k.GoType != "map[string]example.com/app/model.Prefs" {
		t.Errorf("prefs_by_site: %+v", k)
	}
	keys[0].Name = "changed"
	if session.Keys()[0].Name != "user_id" {
		t.Error("Keys() returned a shared slice")
	}
}
