package pgtest

import (
	"errors"
	"fmt"
	"os"
	"sync"
	"sync/atomic"
	"testing"
)

// mainCalled records that the test binary runs under Main, which drops the
// database afterwards; without it every run would leave one behind.
var mainCalled atomic.Bool

// The test binary's environment, set up by the first test that needs it.
var (
	envOnce sync.Once
	env     *environment
	envErr  error
)

// Main runs the tests of m, then drops the test binary's database and stops
// the throwaway server, if one was started, and exits with the tests' exit
// code (or 1 if the tests passed but the cleanup failed). Call it from
// TestMain:
//
//	func TestMain(m *testing.M) { pgtest.Main(m) }
func Main(m *testing.M) {
	mainCalled.Store(true)
	code := m.Run()
	if err := teardown(); err != nil {
		fmt.Fprintf(os.Stderr, "pgtest: %v\n", err)
		if code == 0 {
			code = 1
		}
	}
	os.Exit(code)
}

// errNoMain is the error of a test binary that does not run under Main.
var errNoMain = errors.New("pgtest: call pgtest.Main(m) from TestMain, so the test database is dropped when the tests end")

// load returns the environment, setting it up on first use.
func load() (*environment, error) {
	if !mainCalled.Load() {
		return nil, errNoMain
	}
	envOnce.Do(func() { env, envErr = setup() })
	return env, envErr
}

// current returns the environment, setting it up on first use, or fails t.
func current(t testing.TB) *environment {
	t.Helper()
	e, err := load()
	if err != nil {
		t.Fatal(err)
	}
	return e
}

// teardown undoes setup, if it ran.
func teardown() error {
	if env == nil {
		return nil
	}
	return env.close()
}
