package pgstore_test

import (
	"context"
	"encoding/json"
	"errors"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/jackc/pgx/v5/pgconn"

	"github.com/sessiongen/sessiongen/internal/pgstoretest"
	"github.com/sessiongen/sessiongen/internal/pgtest"
	"github.com/sessiongen/sessiongen/runtime"
	"github.com/sessiongen/sessiongen/runtime/memstore"
)

func TestConditionalWritesAreOneStatementUnlessRefused(t *testing.T) {
	t.Parallel()
	s, _, counter := pgstoretest.Counted(t)
	ctx := context.Background()
	one := map[string]json.RawMessage{"a": json.RawMessage(`1`)}
	tests := []struct {
		name           string
		missing        bool
		change         runtime.Change
		want           error
		wantStatements int64
	}{
		{"no conditions", false, runtime.Change{Set: one}, nil, 1},
		{"conditions that hold", false, runtime.Change{Set: one, Expect: one, MaxSize: 100}, nil, 1},
		{"an absent key that stays absent", false, runtime.Change{Expect: map[string]json.RawMessage{"b": nil}}, nil, 1},
		{"no session, no conditions", true, runtime.Change{Set: one}, runtime.ErrNotFound, 1},
		{"no session, conditions", true, runtime.Change{Set: one, Expect: one}, runtime.ErrNotFound, 2},
		{"a conflict", false, runtime.Change{Expect: map[string]json.RawMessage{"a": json.RawMessage(`2`)}}, runtime.ErrConflict, 2},
		{"too large", false, runtime.Change{Set: map[string]json.RawMessage{"b": json.RawMessage(`"long"`)}, MaxSize: 5}, runtime.ErrTooLarge, 2},
	}
	ops := []struct {
		name string
		run  func(h runtime.TokenHash, c runtime.Change) error
	}{
		{"Update", func(h runtime.TokenHash, c runtime.Change) error { return s.Update(ctx, h, c) }},
		{"Cycle", func(h runtime.TokenHash, c runtime.Change) error { return s.Cycle(ctx, h, runtime.TokenHash{2}, c) }},
	}
	for _, op := range ops {
		for _, tt := range tests {
			t.Run(op.name+"/"+tt.name, func(t *testing.T) {
				for _, h := range []runtime.TokenHash{{1}, {2}} {
					if err := s.Delete(ctx, h); err != nil {
						t.Fatal(err)
					}
				}
				if !tt.missing {
					if err := s.Create(ctx, runtime.TokenHash{1}, runtime.Record{Data: one, ExpiresAt: time.Now().Add(time.Hour)}); err != nil {
						t.Fatal(err)
					}
				}
				tt.change.ExpiresAt = time.Now().Add(time.Hour)
				before := counter.Load()
				err := op.run(runtime.TokenHash{1}, tt.change)
				if n := counter.Load() - before; n != tt.wantStatements {
					t.Errorf("%s ran %d statements, want %d", op.name, n, tt.wantStatements)
				}
				if tt.want == nil && err != nil || tt.want != nil && !errors.Is(err, tt.want) {
					t.Errorf("%s: got error %v, want %v", op.name, err, tt.want)
				}
			})
		}
	}
}

func TestRefusedValuesAreInvalidValues(t *testing.T) {
	t.Parallel()
	s, _ := pgstoretest.New(t)
	ctx := context.Background()
	// The codes PostgreSQL 15 refuses these with: the list in refused.go.
	tests := []struct {
		name     string
		change   runtime.Change
		wantCode string
	}{
		{"NUL", runtime.Change{Set: map[string]json.RawMessage{"a": json.RawMessage(`"\u0000"`)}}, "22P05"},
		{"lone high surrogate", runtime.Change{Set: map[string]json.RawMessage{"a": json.RawMessage(`"\ud800"`)}}, "22P02"},
		{"lone low surrogate", runtime.Change{Set: map[string]json.RawMessage{"a": json.RawMessage(`"\udc00"`)}}, "22P02"},
		{"not UTF-8", runtime.Change{Set: map[string]json.RawMessage{"a": json.RawMessage("\"\xff\"")}}, "22021"},
		{"number out of range", runtime.Change{Set: map[string]json.RawMessage{"a": json.RawMessage(`1e1000000`)}}, "22003"},
		{"NUL in a key to set", runtime.Change{Set: map[string]json.RawMessage{"a\x00": json.RawMessage(`1`)}}, "22P05"},
		{"NUL in a key to delete", runtime.Change{Delete: []string{"a\x00"}}, "22021"},
		{"NUL in an expected value", runtime.Change{Expect: map[string]json.RawMessage{"a": json.RawMessage(`"\u0000"`)}}, "22P05"},
	}
	for i, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			h := runtime.TokenHash{byte(i)}
			if err := s.Create(ctx, h, runtime.Record{ExpiresAt: time.Now().Add(time.Hour)}); err != nil {
				t.Fatal(err)
			}
			tt.change.ExpiresAt = time.Now().Add(time.Hour)
			err := s.Update(ctx, h, tt.change)
			if !errors.Is(err, runtime.ErrInvalidValue) {
				t.Errorf("Update: got error %v, want one wrapping ErrInvalidValue", err)
			}
			if !strings.HasPrefix(err.Error(), "pgstore: update session: ") {
				t.Errorf("error %q lacks the prefix", err)
			}
			var pgErr *pgconn.PgError
			if !errors.As(err, &pgErr) || pgErr.Code != tt.wantCode {
				t.Errorf("Update: got error %v, want PostgreSQL's code %s", err, tt.wantCode)
			}
		})
	}
}

func TestCheckStorableAgreesWithPostgreSQL(t *testing.T) {
	t.Parallel()
	pool := pgtest.Pool(t)
	values := []string{
		// The range of numeric, at and just past each end.
		`1e131071`, `9.9e131071`, `0.5e131072`, `-1e131071`, `1E+131071`, `1e131072`, `10e131071`,
		`1e-16383`, `0.1e-16382`, `123456789e-16375`, `1e-16384`, `1.0e-16383`, `10e-16384`,
		`0e-16383`, `0e-16384`, `0.0e-16383`, `0e131072`, `0e1073741822`, `0e1073741823`,
		`1e2147483647`, `1e-2147483648`, `0e99999999999999999999`, `1e0000000000000000005`,
		// Numbers inside other values, and text that only looks like one.
		`[1, 2e131072]`, `{"k": 1e-16384}`, `{"1e1000000": "1e1000000"}`, `"\"1e1000000"`,
		// The rule Set applies.
		`"\u0000"`, `"\\u0000"`, `"\ud800"`, `"\udc00"`, `"\ud83d\ude00"`, `"\ud800\u0041"`, `"\u00e9"`,
	}
	for _, v := range values {
		_, pgErr := pool.Exec(context.Background(), `SELECT $1::text::jsonb`, v)
		goErr := runtime.CheckStorable([]byte(v))
		if (pgErr == nil) != (goErr == nil) {
			t.Errorf("%.40s: PostgreSQL says %v, CheckStorable says %v", v, pgErr, goErr)
		}
		if goErr != nil && !errors.Is(goErr, runtime.ErrInvalidValue) {
			t.Errorf("%.40s: CheckStorable's error %v does not wrap ErrInvalidValue", v, goErr)
		}
	}
}

func TestConditionsAreSpelledAlike(t *testing.T) {
	t.Parallel()
	// UpdateSession, CycleSession and ChangeRefusal must decide alike;
	// SQL has no way to share the text, so this test keeps it the same.
	b, err := os.ReadFile("../../queries/sessions.sql")
	if err != nil {
		t.Fatal(err)
	}
	queries := map[string]string{}
	for _, q := range strings.Split(string(b), "-- name: ")[1:] {
		name, _, _ := strings.Cut(q, " ")
		queries[name] = q
	}
	conditions := []struct{ from, to string }{
		{"(SELECT count(*) FROM unnest(", "expected.value) = 0"},
		{"(sqlc.arg(max_size)::bigint <= 0 OR", ") AS entry (bytes, before, after)))"},
	}
	for _, c := range conditions {
		update := queries["UpdateSession"]
		start := strings.Index(update, c.from)
		end := strings.Index(update[max(start, 0):], c.to)
		if start < 0 || end < 0 {
			t.Fatalf("UpdateSession has no condition from %q to %q", c.from, c.to)
		}
		cond := update[start : start+end+len(c.to)]
		for _, name := range []string{"CycleSession", "ChangeRefusal"} {
			if !strings.Contains(queries[name], cond) {
				t.Errorf("%s does not spell UpdateSession's condition as it does:\n%s", name, cond)
			}
		}
	}
}

func TestMemstoreComparesAsJSONB(t *testing.T) {
	t.Parallel()
	// memstore checks Expect in Go; it must agree with jsonb's equality,
	// which this store's Expect uses.
	pool := pgtest.Pool(t)
	mem := memstore.New()
	ctx := context.Background()
	pairs := []struct{ stored, expected string }{
		{`1`, `1.0`}, {`1e2`, `100`}, {`-0`, `0`}, {`0.1`, `1e-1`}, {`1`, `1.000000000000000000001`},
		{`9007199254740993`, `9007199254740992`}, {`1`, `"1"`}, {`null`, `false`}, {`{}`, `[]`},
		{`"\u00e9"`, `"é"`}, {`"\/"`, `"/"`}, {`"a"`, `"A"`},
		{`{"a":1,"b":2}`, `{"b":2,"a":1}`}, {`{"a":1,"a":2}`, `{"a":2}`}, {`{"a":1}`, `{"a":1,"b":2}`},
		{`[1,2]`, `[2,1]`}, {`[1,[2]]`, `[1,[2.0]]`}, {`{"a":[1,{"b":null}]}`, `{ "a" : [ 1 , { "b" : null } ] }`},
	}
	for i, p := range pairs {
		var pgEqual bool
		if err := pool.QueryRow(ctx, `SELECT $1::text::jsonb = $2::text::jsonb`, p.stored, p.expected).Scan(&pgEqual); err != nil {
			t.Fatal(err)
		}
		h := runtime.TokenHash{byte(i)}
		exp := time.Now().Add(time.Hour)
		if err := mem.Create(ctx, h, runtime.Record{Data: map[string]json.RawMessage{"k": json.RawMessage(p.stored)}, ExpiresAt: exp}); err != nil {
			t.Fatal(err)
		}
		err := mem.Update(ctx, h, runtime.Change{Expect: map[string]json.RawMessage{"k": json.RawMessage(p.expected)}, ExpiresAt: exp})
		if err != nil && !errors.Is(err, runtime.ErrConflict) {
			t.Fatalf("memstore: %v", err)
		}
		if memEqual := err == nil; memEqual != pgEqual {
			t.Errorf("%s against %s: jsonb says equal %v, memstore %v", p.stored, p.expected, pgEqual, memEqual)
		}
	}
}
