package e2e

import (
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/sessiongen/sessiongen/internal/pgtest"
	"github.com/sessiongen/sessiongen/internal/syncbuf"
)

func TestMain(m *testing.M) { pgtest.Main(m) }

// exampleDir is the example shop's source, in the core module.
const exampleDir = "../example"

// shop is the example app, running as a process of its own.
type shop struct {
	url         string // the base URL it serves, http://127.0.0.1:port
	databaseURL string // its DATABASE_URL
}

// buildShop compiles the example shop from this checkout into a
// temporary directory and returns the binary. It builds inside the core
// module (../example), whose go.mod and go.sum describe the example's
// dependencies, so a dependency the example gains needs nothing here.
func buildShop(t *testing.T) string {
	t.Helper()
	dir, err := filepath.Abs(exampleDir)
	if err != nil {
		t.Fatal(err)
	}
	bin := filepath.Join(t.TempDir(), "shop")
	// -buildvcs=false: the binary needs no VCS stamp, and stamping fails
	// where git is missing or distrusts the checkout's owner.
	cmd := exec.Command("go", "build", "-buildvcs=false", "-o", bin, ".")
	cmd.Dir = dir
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("build the example shop in %s: %v\n%s", dir, err, out)
	}
	return bin
}

// announced is the line the shop prints once it listens.
var announced = regexp.MustCompile(`http://(\S+) \(sessions in ([^)]+)\)`)

// startShop builds the example shop and runs it on a free loopback port,
// with its sessions in a fresh PostgreSQL schema (which it migrates on
// start). The shop is interrupted, and must stop cleanly, when t ends.
func startShop(t *testing.T) *shop {
	t.Helper()
	bin := buildShop(t)
	databaseURL := pgtest.URL(t)

	var stdout, stderr syncbuf.Buffer
	cmd := exec.Command(bin, "-addr", "127.0.0.1:0")
	cmd.Env = append(os.Environ(), "DATABASE_URL="+databaseURL)
	cmd.Stdout = &stdout
	cmd.Stderr = &stderr
	if err := cmd.Start(); err != nil {
		t.Fatalf("start the example shop: %v", err)
	}
	exited := make(chan error, 1)
	go func() { exited <- cmd.Wait() }()

	// Registered after pgtest.URL, so it runs before the schema is
	// dropped.
	t.Cleanup(func() {
		stopShop(t, cmd, exited, &stdout, &stderr)
	})

	deadline := time.After(30 * time.Second)
	for {
		if m := announced.FindStringSubmatch(stdout.String()); m != nil {
			if m[2] != "PostgreSQL" {
				t.Fatalf("the shop keeps its sessions in %s, want PostgreSQL", m[2])
			}
			t.Logf("example shop: http://%s, pid %d", m[1], cmd.Process.Pid)
			return &shop{url: "http://" + m[1], databaseURL: databaseURL}
		}
		select {
		case err := <-exited:
			exited <- err // for the cleanup
			t.Fatalf("the example shop exited before serving (%v); stdout:\n%s\nstderr:\n%s", err, stdout.String(), stderr.String())
		case <-deadline:
			t.Fatalf("the example shop did not announce its address in 30 s; stdout:\n%s\nstderr:\n%s", stdout.String(), stderr.String())
		case <-time.After(20 * time.Millisecond):
		}
	}
}

// stopShop interrupts the shop, as Ctrl-C does, and checks that it stops
// cleanly; it kills the shop if it has not stopped in 10 s.
func stopShop(t *testing.T, cmd *exec.Cmd, exited chan error, stdout, stderr *syncbuf.Buffer) {
	t.Helper()
	select {
	case err := <-exited: // already gone; startShop reported why
		if !t.Failed() {
			t.Errorf("the example shop exited during the test (%v); stderr:\n%s", err, stderr.String())
		}
		return
	default:
	}
	if err := cmd.Process.Signal(os.Interrupt); err != nil {
		t.Errorf("interrupt the example shop: %v", err)
	}
	select {
	case err := <-exited:
		if err != nil {
			t.Errorf("the example shop exited with %v after an interrupt; stderr:\n%s", err, stderr.String())
		} else if !strings.Contains(stdout.String(), "stopped") {
			t.Errorf("the example shop did not report a clean stop; stdout:\n%s", stdout.String())
		}
	case <-time.After(10 * time.Second):
		_ = cmd.Process.Kill()
		<-exited
		t.Errorf("the example shop did not stop within 10 s of an interrupt; killed it; stderr:\n%s", stderr.String())
	}
	if t.Failed() {
		t.Logf("example shop's log:\n%s", stderr.String())
	}
}
