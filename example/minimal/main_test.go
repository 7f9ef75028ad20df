package main

import (
	"context"
	"io"
	"net/http"
	"net/http/cookiejar"
	"net/http/httptest"
	"testing"

	"github.com/sessiongen/sessiongen/internal/pgtest"
	"github.com/sessiongen/sessiongen/runtime"
	"github.com/sessiongen/sessiongen/runtime/pgstore"
)

func TestMain(m *testing.M) { pgtest.Main(m) }

func TestVisitCounts(t *testing.T) {
	pool := pgtest.Pool(t)
	if err := pgstore.Migrate(context.Background(), pool); err != nil {
		t.Fatal(err)
	}
	mux := http.NewServeMux()
	mux.HandleFunc("GET /{$}", visit)
	mgr, err := runtime.NewManager(pgstore.New(pool))
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(mgr.Middleware(mux))
	defer srv.Close()
	jar, _ := cookiejar.New(nil)
	browser := &http.Client{Jar: jar}
	for _, tt := range []struct{ path, want string }{
		{"/", "Hello stranger, this is visit 1.\n"},
		{"/?name=Ada", "Hello Ada, this is visit 2.\n"},
		{"/", "Hello Ada, this is visit 3.\n"},
	} {
		resp, err := browser.Get(srv.URL + tt.path)
		if err != nil {
			t.Fatal(err)
		}
		body, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		if string(body) != tt.want {
			t.Fatalf("GET %s = %q, want %q", tt.path, body, tt.want)
		}
	}
}
