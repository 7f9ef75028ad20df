package sessiontest

import (
	"context"
	"fmt"
	"log/slog"
	"strings"

	"github.com/sessiongen/sessiongen/runtime"
	"github.com/sessiongen/sessiongen/runtime/memstore"
)

// opKind is a write the manager made to the store.
type opKind uint8

const (
	opCreate opKind = iota
	opUpdate
	opCycle
	opDelete
)

// op is one write of a request: from is the hash written to, or moved
// from; to is the new hash of a Create or a Cycle.
type op struct {
	kind     opKind
	from, to runtime.TokenHash
}

// recorder is the client's store as its manager sees it: it notes each
// write that succeeded, so the client can tell a flush or a cycle.
type recorder struct {
	*memstore.Store
	ops []op
}

func (s *recorder) Create(ctx context.Context, h runtime.TokenHash, rec runtime.Record) error {
	return s.note(s.Store.Create(ctx, h, rec), op{kind: opCreate, to: h})
}

func (s *recorder) Update(ctx context.Context, h runtime.TokenHash, c runtime.Change) error {
	return s.note(s.Store.Update(ctx, h, c), op{kind: opUpdate, from: h})
}

func (s *recorder) Cycle(ctx context.Context, from, to runtime.TokenHash, c runtime.Change) error {
	return s.note(s.Store.Cycle(ctx, from, to, c), op{kind: opCycle, from: from, to: to})
}

func (s *recorder) Delete(ctx context.Context, h runtime.TokenHash) error {
	return s.note(s.Store.Delete(ctx, h), op{kind: opDelete, from: h})
}

func (s *recorder) note(err error, o op) error {
	if err == nil {
		s.ops = append(s.ops, o)
	}
	return err
}

// readOnly is the store of Read's manager: it loads from the client's
// store and writes nothing.
type readOnly struct{ store *memstore.Store }

var _ runtime.Store = readOnly{}

func (s readOnly) Load(ctx context.Context, h runtime.TokenHash) (runtime.Record, error) {
	return s.store.Load(ctx, h)
}
func (readOnly) Create(context.Context, runtime.TokenHash, runtime.Record) error { return nil }
func (readOnly) Update(context.Context, runtime.TokenHash, runtime.Change) error { return nil }
func (readOnly) Cycle(context.Context, runtime.TokenHash, runtime.TokenHash, runtime.Change) error {
	return nil
}
func (readOnly) Delete(context.Context, runtime.TokenHash) error { return nil }

// logger returns the client's logger: it writes each line to the test's
// log and records the session errors.
func (c *Client) logger() *slog.Logger { return slog.New(&logHandler{c: c}) }

// logHandler is the slog.Handler of the client's logger.
type logHandler struct {
	c     *Client
	attrs []slog.Attr
	group string
}

func (*logHandler) Enabled(context.Context, slog.Level) bool { return true }

func (h *logHandler) Handle(_ context.Context, r slog.Record) error {
	var b strings.Builder
	fmt.Fprintf(&b, "%s %s", r.Level, r.Message)
	attr := func(a slog.Attr) bool {
		if h.group != "" {
			a.Key = h.group + "." + a.Key
		}
		fmt.Fprintf(&b, " %s=%q", a.Key, a.Value.String())
		return true
	}
	for _, a := range h.attrs {
		attr(a)
	}
	r.Attrs(attr)
	line := b.String()
	h.c.t.Logf("session log: %s", line)
	if r.Level >= slog.LevelError {
		h.c.logged = append(h.c.logged, line)
	}
	return nil
}

func (h *logHandler) WithAttrs(as []slog.Attr) slog.Handler {
	return &logHandler{c: h.c, attrs: append(h.attrs[:len(h.attrs):len(h.attrs)], as...), group: h.group}
}

func (h *logHandler) WithGroup(name string) slog.Handler {
	g := name
	if h.group != "" {
		g = h.group + "." + name
	}
	return &logHandler{c: h.c, attrs: h.attrs, group: g}
}
