package pgtest

import (
	"context"
	"errors"
	"fmt"
	"net/url"
	"os"
	"os/user"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"
)

// throwawayEnv, when set to 1, makes pgtest start its own cluster instead
// of looking for a server.
const throwawayEnv = "SESSIONGEN_PGTEST_THROWAWAY"

// probeTimeout bounds each attempt to reach a candidate server.
const probeTimeout = 5 * time.Second

// server is a PostgreSQL server on which tests may create databases.
type server struct {
	url  string       // connection string of a maintenance database
	desc string       // where the server came from, for messages
	stop func() error // stops a server pgtest started; nil otherwise
}

// close stops the server if pgtest started it.
func (s *server) close() error {
	if s.stop == nil {
		return nil
	}
	return s.stop()
}

// finder looks for a server. Its fields are the outside world, so that
// tests can replace them.
type finder struct {
	getenv  func(string) string
	user    func() string                                      // the current OS user's name, or ""
	probe   func(ctx context.Context, connString string) error // connects, and checks the role may create databases
	cluster func(ctx context.Context) (*server, error)         // starts a throwaway cluster
}

// defaultFinder returns the finder that uses the real environment.
func defaultFinder() finder {
	return finder{
		getenv: os.Getenv,
		user: func() string {
			if u, err := user.Current(); err == nil {
				return u.Username
			}
			return ""
		},
		probe:   probe,
		cluster: startCluster,
	}
}

// find returns the first server found in the order the package comment
// gives.
func (f finder) find(ctx context.Context) (*server, error) {
	if f.getenv(throwawayEnv) == "1" {
		return f.throwaway(ctx, nil)
	}
	if u := f.getenv("DATABASE_URL"); u != "" {
		if err := f.probe(ctx, u); err != nil {
			return nil, fmt.Errorf("pgtest: DATABASE_URL: %w", err)
		}
		return &server{url: u, desc: "$DATABASE_URL"}, nil
	}
	var errs []error
	for _, u := range f.localURLs() {
		err := f.probe(ctx, u)
		if err == nil {
			return &server{url: u, desc: u}, nil
		}
		errs = append(errs, fmt.Errorf("%s: %w", u, err))
	}
	return f.throwaway(ctx, errs)
}

// throwaway starts a cluster; errs are the failures that led here.
func (f finder) throwaway(ctx context.Context, errs []error) (*server, error) {
	srv, err := f.cluster(ctx)
	if err == nil {
		return srv, nil
	}
	errs = append(errs, fmt.Errorf("throwaway cluster: %w", err))
	return nil, fmt.Errorf("pgtest: no PostgreSQL server for the tests: set DATABASE_URL "+
		"(e.g. postgres://user:password@localhost:5432/postgres) to a server where the role may create databases, "+
		"or install PostgreSQL (initdb and pg_ctl in $PATH or /usr/lib/postgresql/*/bin); tried:\n%w", errors.Join(errs...))
}

// localURLs returns the connection strings tried on 127.0.0.1:5432.
func (f finder) localURLs() []string {
	var urls []string
	seen := map[string]bool{}
	for _, name := range []string{f.getenv("PGUSER"), "postgres", f.user()} {
		if name == "" || seen[name] {
			continue
		}
		seen[name] = true
		u := url.URL{
			Scheme:   "postgres",
			User:     url.User(name),
			Host:     "127.0.0.1:5432",
			Path:     "/postgres",
			RawQuery: "sslmode=disable&connect_timeout=5",
		}
		urls = append(urls, u.String())
	}
	return urls
}

// probe connects to connString and checks that its role may create
// databases.
func probe(ctx context.Context, connString string) error {
	ctx, cancel := context.WithTimeout(ctx, probeTimeout)
	defer cancel()
	conn, err := pgx.Connect(ctx, connString)
	if err != nil {
		return err
	}
	defer conn.Close(context.Background())
	var ok bool
	err = conn.QueryRow(ctx, "SELECT rolsuper OR rolcreatedb FROM pg_roles WHERE rolname = current_user").Scan(&ok)
	if err != nil {
		return err
	}
	if !ok {
		return errors.New("role may not create databases (needs CREATEDB)")
	}
	return nil
}

// withDatabase returns connString with its database replaced by name.
func withDatabase(connString, name string) (string, error) {
	if u, ok, err := parseURL(connString); ok {
		if err != nil {
			return "", err
		}
		u.Path = "/" + name
		u.RawPath = ""
		return u.String(), nil
	}
	return connString + " dbname=" + quoteValue(name), nil
}

// withSearchPath returns connString with search_path set to schema through
// the options parameter, after any options it had.
func withSearchPath(connString, schema string) (string, error) {
	opt := "-csearch_path=" + schema
	if u, ok, err := parseURL(connString); ok {
		if err != nil {
			return "", err
		}
		q := u.Query()
		if old := q.Get("options"); old != "" {
			opt = old + " " + opt
		}
		q.Set("options", opt)
		// libpq and pgx decode %20 but not + as a space; Encode turns a
		// literal + into %2B, so every + left is a space.
		u.RawQuery = strings.ReplaceAll(q.Encode(), "+", "%20")
		return u.String(), nil
	}
	return connString + " options=" + quoteValue(opt), nil
}

// parseURL parses connString if it is a URL; ok is false for the
// keyword/value form.
func parseURL(connString string) (u *url.URL, ok bool, err error) {
	if !strings.HasPrefix(connString, "postgres://") && !strings.HasPrefix(connString, "postgresql://") {
		return nil, false, nil
	}
	u, err = url.Parse(connString)
	if err != nil {
		return nil, true, fmt.Errorf("parse connection URL: %w", err)
	}
	return u, true, nil
}

// quoteValue quotes v as a value of a keyword/value connection string.
func quoteValue(v string) string {
	return "'" + strings.NewReplacer(`\`, `\\`, `'`, `\'`).Replace(v) + "'"
}
