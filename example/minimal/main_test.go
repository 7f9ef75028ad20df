package main

import (
	"net/http"
	"net/http/httptest"
	"testing"

	"github.com/sessiongen/sessiongen/internal/pgstoretest"
	"github.com/sessiongen/sessiongen/internal/pgtest"
	"github.com/sessiongen/sessiongen/internal/webclient"
	"github.com/sessiongen/sessiongen/runtime"
)

func TestMain(m *testing.M) { pgtest.Main(m) }

func TestVisitCounts(t *testing.T) {
	store, _ := pgstoretest.New(t)
	mux := http.NewServeMux()
	mux.HandleFunc("GET /{$}", visit)
	mgr, err := runtime.NewManager(store)
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(mgr.Middleware(mux))
	defer srv.Close()
	browser := webclient.New(t, srv.URL)
	for _, tt := range []struct{ path, want string }{
		{"/", "Hello stranger, this is visit 1.\n"},
		{"/?name=Ada", "Hello Ada, this is visit 2.\n"},
		{"/", "Hello Ada, this is visit 3.\n"},
	} {
		if _, body := browser.Get(tt.path); body != tt.want {
			t.Fatalf("GET %s = %q, want %q", tt.path, body, tt.want)
		}
	}
}
