package filestore_test

import (
	"bufio"
	"context"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/sessiongen/sessiongen/runtime"
	"github.com/sessiongen/sessiongen/runtime/filestore"
)

// This file runs two processes over one session directory, as two app
// servers on one machine, or a server and a command, do: the test, and the
// test binary run again as a child. Each process has writers that save
// keys of their own into the same sessions at once, and all of them
// increment one counter by compare-and-set; the parent signs some sessions
// out while both write. Each process keeps a log of what the store
// acknowledged, and the parent checks the directory against both logs.

const (
	twoProcSessions = 12 // written by every writer of both processes
	twoProcWriters  = 3  // per process
	twoProcRounds   = 12 // the parent's; the child writes until the parent is done
)

// writeLog is what one process's writers did, as the store acknowledged
// it.
type writeLog struct {
	// Acked lists the keys each session acknowledged, by session hash.
	Acked map[string][]string
	// Outcomes holds, per writer and session, the outcome of each of its
	// writes in order: 'a' acknowledged, 'n' runtime.ErrNotFound.
	Outcomes map[string]string
	// Increments counts the counter's acknowledged increments.
	Increments int
	// Errors are the failures, which must not happen.
	Errors []string
	// Start and End bound the writes, in Unix nanoseconds.
	Start, End int64

	mu sync.Mutex
}

func (l *writeLog) record(writer int, h runtime.TokenHash, key string, err error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	id := fmt.Sprintf("%d/%s", writer, h)
	switch {
	case err == nil:
		l.Acked[h.String()] = append(l.Acked[h.String()], key)
		l.Outcomes[id] += "a"
	case errors.Is(err, runtime.ErrNotFound):
		l.Outcomes[id] += "n"
	default:
		l.Errors = append(l.Errors, fmt.Sprintf("write %s to %s: %v", key, h, err))
	}
}

// write runs the writers of one process, whose keys start with prefix,
// over sessions and the counter session, a round after another until
// more returns false, and returns their log.
func write(s *filestore.Store, prefix string, sessions []runtime.TokenHash, counter runtime.TokenHash, more func(round int) bool) *writeLog {
	ctx := context.Background()
	l := &writeLog{Acked: map[string][]string{}, Outcomes: map[string]string{}, Start: time.Now().UnixNano()}
	exp := time.Now().Add(time.Hour)
	var wg sync.WaitGroup
	for w := range twoProcWriters {
		wg.Go(func() {
			for round := 0; more(round); round++ {
				for _, h := range sessions {
					key := fmt.Sprintf("%s-w%d-r%d", prefix, w, round)
					c := runtime.Change{Set: map[string]json.RawMessage{key: json.RawMessage(strconv.Itoa(round))}, ExpiresAt: exp}
					l.record(w, h, key, s.Update(ctx, h, c))
				}
				if err := incrementCounter(ctx, s, counter); err != nil {
					l.mu.Lock()
					l.Errors = append(l.Errors, err.Error())
					l.mu.Unlock()
					continue
				}
				l.mu.Lock()
				l.Increments++
				l.mu.Unlock()
			}
		})
	}
	wg.Wait()
	l.End = time.Now().UnixNano()
	return l
}

// incrementCounter adds one to the key "n" of the session under h by a
// compare-and-set, loading again while it conflicts.
func incrementCounter(ctx context.Context, s *filestore.Store, h runtime.TokenHash) error {
	for {
		rec, err := s.Load(ctx, h)
		if err != nil {
			return fmt.Errorf("load counter: %w", err)
		}
		n, err := strconv.Atoi(string(rec.Data["n"]))
		if err != nil {
			return fmt.Errorf("counter %s: %w", rec.Data["n"], err)
		}
		c := runtime.Change{
			Set:       map[string]json.RawMessage{"n": json.RawMessage(strconv.Itoa(n + 1))},
			Expect:    map[string]json.RawMessage{"n": rec.Data["n"]},
			ExpiresAt: rec.ExpiresAt,
		}
		if err := s.Update(ctx, h, c); !errors.Is(err, runtime.ErrConflict) {
			return err
		}
	}
}

// TestTwoProcessesShareADirectory counts, across two processes writing
// different keys of the same sessions at once, the acknowledged writes
// that are not stored (lost), the counter increments that are not counted,
// and the sessions that a write brought back after a sign-out: all must
// be 0.
func TestTwoProcessesShareADirectory(t *testing.T) {
	if os.Getenv(childEnv) == "writer" {
		runChildWriter(t)
		return
	}
	t.Parallel()
	ctx := context.Background()
	dir := t.TempDir()
	s := newStore(t, dir)
	exp := time.Now().Add(time.Hour)
	var sessions, signedOut []runtime.TokenHash
	for i := range twoProcSessions {
		h := randomHash(t)
		if err := s.Create(ctx, h, runtime.Record{Data: map[string]json.RawMessage{"base": json.RawMessage(`true`)}, ExpiresAt: exp}); err != nil {
			t.Fatal(err)
		}
		sessions = append(sessions, h)
		if i%3 == 0 {
			signedOut = append(signedOut, h)
		}
	}
	counter := randomHash(t)
	if err := s.Create(ctx, counter, runtime.Record{Data: map[string]json.RawMessage{"n": json.RawMessage(`0`)}, ExpiresAt: exp}); err != nil {
		t.Fatal(err)
	}

	child, report := startChildWriter(t, dir, counter, sessions)
	var once sync.Once
	parent := write(s, "a", sessions, counter, func(round int) bool {
		if round == twoProcRounds/2 {
			// Sign some sessions out while both processes write to them.
			once.Do(func() {
				for _, h := range signedOut {
					if err := s.Delete(ctx, h); err != nil {
						t.Errorf("Delete: %v", err)
					}
				}
			})
		}
		return round < twoProcRounds
	})
	other := child.stop(t, report)

	if parent.End < other.Start || other.End < parent.Start {
		t.Fatalf("the processes did not write at the same time: parent %d..%d, child %d..%d", parent.Start, parent.End, other.Start, other.End)
	}
	for _, l := range []*writeLog{parent, other} {
		for _, e := range l.Errors {
			t.Error(e)
		}
	}
	out := map[runtime.TokenHash]bool{}
	for _, h := range signedOut {
		out[h] = true
	}
	lost, acked, resurrected := 0, 0, 0
	for _, h := range sessions {
		if out[h] {
			if _, err := os.Stat(fileOf(dir, h)); !errors.Is(err, os.ErrNotExist) {
				resurrected++
				t.Errorf("signed-out session %s: its file is back (%v)", h, err)
			}
			continue
		}
		rec, err := s.Load(ctx, h)
		if err != nil {
			t.Fatalf("Load of a session no one deleted: %v", err)
		}
		for _, l := range []*writeLog{parent, other} {
			for _, key := range l.Acked[h.String()] {
				acked++
				if _, ok := rec.Data[key]; !ok {
					lost++
				}
			}
		}
	}
	// Once a writer saw a session gone, no later write may succeed.
	for who, l := range map[string]*writeLog{"parent": parent, "child": other} {
		for id, outcomes := range l.Outcomes {
			if strings.Contains(outcomes, "na") {
				resurrected++
				t.Errorf("%s writer %s: a write was acknowledged after one found the session gone: %s", who, id, outcomes)
			}
		}
	}
	racedSignOut := 0
	for _, h := range signedOut {
		for w := range twoProcWriters {
			if o := other.Outcomes[fmt.Sprintf("%d/%s", w, h)]; strings.Contains(o, "an") {
				racedSignOut++
			}
		}
	}
	rec, err := s.Load(ctx, counter)
	if err != nil {
		t.Fatal(err)
	}
	increments := parent.Increments + other.Increments
	if got := string(rec.Data["n"]); got != strconv.Itoa(increments) {
		t.Errorf("counter = %s after %d acknowledged increments", got, increments)
	}
	t.Logf("acknowledged writes to live sessions: %d, lost: %d; counter increments: %d (parent %d, child %d), lost: %d; "+
		"child writers that wrote a signed-out session before and after its sign-out: %d; resurrected: %d",
		acked, lost, increments, parent.Increments, other.Increments, increments-atoi(string(rec.Data["n"])), racedSignOut, resurrected)
	if lost != 0 {
		t.Errorf("%d of %d acknowledged writes lost", lost, acked)
	}
	if racedSignOut == 0 {
		t.Errorf("no child writer wrote a signed-out session both before and after its sign-out: the race was not run")
	}
}

func atoi(s string) int { n, _ := strconv.Atoi(s); return n }

// childWriter is the child process of TestTwoProcessesShareADirectory.
type childWriter struct {
	stdin io.WriteCloser
	wait  func() error
	out   *strings.Builder
}

// startChildWriter starts the child's writers over dir and returns once
// they are writing, with the path of the report they will write.
func startChildWriter(t *testing.T, dir string, counter runtime.TokenHash, sessions []runtime.TokenHash) (*childWriter, string) {
	t.Helper()
	report := filepath.Join(t.TempDir(), "report.json")
	hs := make([]string, len(sessions))
	for i, h := range sessions {
		hs[i] = h.String()
	}
	cmd := childCommand(t, "TestTwoProcessesShareADirectory", "writer",
		"FILESTORE_TEST_DIR="+dir, "FILESTORE_TEST_COUNTER="+counter.String(),
		"FILESTORE_TEST_SESSIONS="+strings.Join(hs, ","), "FILESTORE_TEST_REPORT="+report)
	stdin, err := cmd.StdinPipe()
	if err != nil {
		t.Fatal(err)
	}
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	cmd.Stderr = cmd.Stdout
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	c := &childWriter{stdin: stdin, wait: cmd.Wait, out: &strings.Builder{}}
	lines := bufio.NewScanner(stdout)
	for lines.Scan() && lines.Text() != "writing" {
		c.out.WriteString(lines.Text() + "\n")
	}
	go func() {
		for lines.Scan() {
			c.out.WriteString(lines.Text() + "\n")
		}
	}()
	return c, report
}

// stop tells the child to finish its round, waits for it, and returns its
// log.
func (c *childWriter) stop(t *testing.T, report string) *writeLog {
	t.Helper()
	_ = c.stdin.Close()
	if err := c.wait(); err != nil {
		t.Fatalf("child: %v\n%s", err, c.out)
	}
	b, err := os.ReadFile(report)
	if err != nil {
		t.Fatalf("child report: %v\n%s", err, c.out)
	}
	var l writeLog
	if err := json.Unmarshal(b, &l); err != nil {
		t.Fatal(err)
	}
	return &l
}

// runChildWriter is the child's part: it writes, from the moment it says
// "writing" until its standard input closes, then writes its log to the
// report file.
func runChildWriter(t *testing.T) {
	s := newStore(t, os.Getenv("FILESTORE_TEST_DIR"))
	var sessions []runtime.TokenHash
	for _, x := range strings.Split(os.Getenv("FILESTORE_TEST_SESSIONS"), ",") {
		sessions = append(sessions, parseHash(t, x))
	}
	counter := parseHash(t, os.Getenv("FILESTORE_TEST_COUNTER"))
	stopped := make(chan struct{})
	go func() {
		_, _ = io.Copy(io.Discard, os.Stdin)
		close(stopped)
	}()
	fmt.Println("writing")
	l := write(s, "b", sessions, counter, func(int) bool {
		select {
		case <-stopped:
			return false
		default:
			return true
		}
	})
	b, err := json.Marshal(l)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(os.Getenv("FILESTORE_TEST_REPORT"), b, 0o600); err != nil {
		t.Fatal(err)
	}
}

func parseHash(t *testing.T, x string) runtime.TokenHash {
	t.Helper()
	var h runtime.TokenHash
	if b, err := hex.DecodeString(x); err != nil || copy(h[:], b) != len(h) {
		t.Fatalf("hash %q: %v", x, err)
	}
	return h
}
