package pgtest

import (
	"context"
	"errors"
	"slices"
	"strings"
	"testing"

	"github.com/jackc/pgx/v5/pgconn"
)

func TestFind(t *testing.T) {
	t.Parallel()
	const (
		envURL   = "postgres://app@db.example:5432/app"
		asPGUser = "postgres://alice@127.0.0.1:5432/postgres?sslmode=disable&connect_timeout=5"
		asPG     = "postgres://postgres@127.0.0.1:5432/postgres?sslmode=disable&connect_timeout=5"
		asOSUser = "postgres://bob@127.0.0.1:5432/postgres?sslmode=disable&connect_timeout=5"
		cluster  = "postgres://postgres@127.0.0.1:1/postgres"
	)
	tests := []struct {
		name      string
		env       map[string]string
		up        []string // connection strings that answer
		noCluster bool     // initdb is missing
		want      string   // the server found
		wantErr   []string // or the error, by parts
		wantTried []string // connection strings probed, in order
	}{
		{
			name:      "DATABASE_URL",
			env:       map[string]string{"DATABASE_URL": envURL},
			up:        []string{envURL, asPG},
			want:      envURL,
			wantTried: []string{envURL},
		},
		{
			name:      "DATABASE_URL down is an error, not a fallback",
			env:       map[string]string{"DATABASE_URL": envURL},
			up:        []string{asPG},
			wantErr:   []string{"DATABASE_URL", "down"},
			wantTried: []string{envURL},
		},
		{
			name:      "local as postgres",
			up:        []string{asPG, asOSUser},
			want:      asPG,
			wantTried: []string{asPG},
		},
		{
			name:      "local as PGUSER first",
			env:       map[string]string{"PGUSER": "alice"},
			up:        []string{asPGUser, asPG},
			want:      asPGUser,
			wantTried: []string{asPGUser},
		},
		{
			name:      "local as the OS user",
			up:        []string{asOSUser},
			want:      asOSUser,
			wantTried: []string{asPG, asOSUser},
		},
		{
			name:      "throwaway cluster when nothing answers",
			want:      cluster,
			wantTried: []string{asPG, asOSUser},
		},
		{
			name:      "throwaway cluster forced",
			env:       map[string]string{"DATABASE_URL": envURL, throwawayEnv: "1"},
			up:        []string{envURL, asPG},
			want:      cluster,
			wantTried: nil,
		},
		{
			name:      "nothing at all says how to provide a server",
			noCluster: true,
			wantErr:   []string{"set DATABASE_URL", "install PostgreSQL", asPG, asOSUser, "initdb missing"},
			wantTried: []string{asPG, asOSUser},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			var tried []string
			f := finder{
				getenv: func(k string) string { return tt.env[k] },
				user:   func() string { return "bob" },
				probe: func(_ context.Context, u string) error {
					tried = append(tried, u)
					if slices.Contains(tt.up, u) {
						return nil
					}
					return errors.New("down")
				},
				cluster: func(context.Context) (*server, error) {
					if tt.noCluster {
						return nil, errors.New("initdb missing")
					}
					return &server{url: cluster}, nil
				},
			}
			srv, err := f.find(context.Background())
			if !slices.Equal(tried, tt.wantTried) {
				t.Errorf("probed %q, want %q", tried, tt.wantTried)
			}
			if tt.wantErr != nil {
				if err == nil {
					t.Fatalf("found %s, want an error", srv.url)
				}
				for _, part := range tt.wantErr {
					if !strings.Contains(err.Error(), part) {
						t.Errorf("error %q does not contain %q", err, part)
					}
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if srv.url != tt.want {
				t.Errorf("found %s, want %s", srv.url, tt.want)
			}
		})
	}
}

func TestConnStrings(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name        string
		in          string
		wantOptions string
	}{
		{"URL", "postgres://u:p%40ss@localhost:5432/postgres?sslmode=disable", "-csearch_path=t_x"},
		{"URL with options", "postgresql://u@localhost/db?options=-cstatement_timeout%3D5s", "-cstatement_timeout=5s -csearch_path=t_x"},
		{"keyword/value", "host=localhost user=u password='it\\'s' dbname=postgres", "-csearch_path=t_x"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			s, err := withDatabase(tt.in, "sessiongen_test_x")
			if err != nil {
				t.Fatal(err)
			}
			s, err = withSearchPath(s, "t_x")
			if err != nil {
				t.Fatal(err)
			}
			cfg, err := pgconn.ParseConfig(s)
			if err != nil {
				t.Fatalf("%s: %v", s, err)
			}
			if cfg.Database != "sessiongen_test_x" {
				t.Errorf("database %q, want sessiongen_test_x (%s)", cfg.Database, s)
			}
			if got := cfg.RuntimeParams["options"]; got != tt.wantOptions {
				t.Errorf("options %q, want %q (%s)", got, tt.wantOptions, s)
			}
			if cfg.User != "u" {
				t.Errorf("user %q lost (%s)", cfg.User, s)
			}
		})
	}
}

func TestDatabaseName(t *testing.T) {
	t.Parallel()
	tests := []struct{ binary, prefix string }{
		{"pgstore.test", "sessiongen_test_pgstore_"},
		{"Mem-Store.test.exe", "sessiongen_test_mem_store_"},
		{"a_very_long_package_name_indeed_yes.test", "sessiongen_test_a_very_long_package_name_"},
		{".test", "sessiongen_test_pkg_"},
	}
	for _, tt := range tests {
		got := databaseName(tt.binary)
		if !strings.HasPrefix(got, tt.prefix) || len(got) != len(tt.prefix)+8 || len(got) > 63 {
			t.Errorf("databaseName(%q) = %q, want %q and 8 hex digits", tt.binary, got, tt.prefix)
		}
	}
	if a, b := databaseName("x.test"), databaseName("x.test"); a == b {
		t.Error("two names alike")
	}
}
