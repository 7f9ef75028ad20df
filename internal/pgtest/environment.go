package pgtest

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"
)

// setupTimeout bounds finding (or starting) a server and creating the
// database.
const setupTimeout = 2 * time.Minute

// environment is the test binary's database on its server.
type environment struct {
	srv    *server
	dbName string
	dbURL  string        // connection string of the test database
	admin  *pgxpool.Pool // on the test database; creates and drops schemas
}

// setup finds a server and creates the test binary's database on it.
func setup() (_ *environment, err error) {
	ctx, cancel := context.WithTimeout(context.Background(), setupTimeout)
	defer cancel()

	srv, err := defaultFinder().find(ctx)
	if err != nil {
		return nil, err
	}
	defer func() {
		if err != nil {
			err = errors.Join(err, srv.close())
		}
	}()

	name := databaseName(filepath.Base(os.Args[0]))
	if err := execOn(ctx, srv.url, "CREATE DATABASE "+pgx.Identifier{name}.Sanitize()+" TEMPLATE template0"); err != nil {
		return nil, fmt.Errorf("pgtest: create database %s on %s: %w", name, srv.desc, err)
	}
	e := &environment{srv: srv, dbName: name}
	defer func() {
		if err != nil {
			err = errors.Join(err, e.dropDatabase())
		}
	}()

	if e.dbURL, err = withDatabase(srv.url, name); err != nil {
		return nil, fmt.Errorf("pgtest: %w", err)
	}
	if e.admin, err = pgxpool.New(ctx, e.dbURL); err != nil {
		return nil, fmt.Errorf("pgtest: connect to database %s: %w", name, err)
	}
	return e, nil
}

// close drops the database and stops the server if pgtest started it.
func (e *environment) close() error {
	e.admin.Close()
	return errors.Join(e.dropDatabase(), e.srv.close())
}

// dropDatabase drops the test database, closing any connections left open.
func (e *environment) dropDatabase() error {
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	err := execOn(ctx, e.srv.url, "DROP DATABASE IF EXISTS "+pgx.Identifier{e.dbName}.Sanitize()+" WITH (FORCE)")
	if err != nil {
		return fmt.Errorf("drop database %s: %w", e.dbName, err)
	}
	return nil
}

// newSchema creates an empty schema with a random name in the test
// database and returns its name.
func (e *environment) newSchema(ctx context.Context) (string, error) {
	name := "t_" + randomHex(8)
	if _, err := e.admin.Exec(ctx, "CREATE SCHEMA "+pgx.Identifier{name}.Sanitize()); err != nil {
		return "", fmt.Errorf("pgtest: create schema: %w", err)
	}
	return name, nil
}

// dropSchema drops a schema made by newSchema, with everything in it.
func (e *environment) dropSchema(ctx context.Context, name string) error {
	if _, err := e.admin.Exec(ctx, "DROP SCHEMA "+pgx.Identifier{name}.Sanitize()+" CASCADE"); err != nil {
		return fmt.Errorf("pgtest: drop schema %s: %w", name, err)
	}
	return nil
}

// execOn runs one statement on a connection of its own to connString.
func execOn(ctx context.Context, connString, sql string) error {
	conn, err := pgx.Connect(ctx, connString)
	if err != nil {
		return err
	}
	defer conn.Close(context.Background())
	_, err = conn.Exec(ctx, sql)
	return err
}

// databaseName returns a fresh database name for the test binary named
// binary ("pgstore.test"): sessiongen_test_<package>_<random>.
func databaseName(binary string) string {
	pkg := strings.TrimSuffix(strings.TrimSuffix(strings.ToLower(binary), ".exe"), ".test")
	pkg = strings.Map(func(r rune) rune {
		if 'a' <= r && r <= 'z' || '0' <= r && r <= '9' {
			return r
		}
		return '_'
	}, pkg)
	const maxPkg = 24 // keeps the name well inside PostgreSQL's 63 bytes
	if len(pkg) > maxPkg {
		pkg = pkg[:maxPkg]
	}
	if pkg == "" {
		pkg = "pkg"
	}
	return "sessiongen_test_" + pkg + "_" + randomHex(4)
}

// randomHex returns n random bytes in hexadecimal.
func randomHex(n int) string {
	b := make([]byte, n)
	_, _ = rand.Read(b) // never fails; see crypto/rand.Read
	return hex.EncodeToString(b)
}
