package pgstore_test

import (
	"context"
	"encoding/json"
	"errors"
	"maps"
	"strings"
	"testing"
	"time"

	"github.com/sessiongen/sessiongen/internal/pgstoretest"
	"github.com/sessiongen/sessiongen/internal/pgtest"
	"github.com/sessiongen/sessiongen/runtime"
	"github.com/sessiongen/sessiongen/runtime/memstore"
)

func TestWritesAtTheLoadedVersionAreOneStatement(t *testing.T) {
	t.Parallel()
	s, _, counter := pgstoretest.Counted(t)
	ctx := context.Background()
	one := map[string]json.RawMessage{"a": json.RawMessage(`1`)}
	two := map[string]json.RawMessage{"a": json.RawMessage(`2`)}
	long := map[string]json.RawMessage{"b": json.RawMessage(`"long"`)}
	withLong := map[string]json.RawMessage{"a": json.RawMessage(`1`), "b": json.RawMessage(`"long"`)}
	// version says which version the change is made at: the one Load
	// returned (loaded), one the row has moved on from (stale), or none.
	const (
		loaded = iota
		stale
		none
	)
	// A merge is a SELECT and an UPDATE at the version it read; a refused
	// one stops after the SELECT.
	tests := []struct {
		name           string
		missing        bool
		version        int
		change         runtime.Change
		want           error
		wantStatements int64
	}{
		{"at the loaded version", false, loaded, runtime.Change{Set: two, Data: two}, nil, 1},
		{"at the loaded version, with conditions", false, loaded, runtime.Change{Set: two, Data: two, Expect: one, MaxSize: 100}, nil, 1},
		{"at the loaded version, over the size limit", false, loaded, runtime.Change{Set: long, Data: withLong, MaxSize: 5}, runtime.ErrTooLarge, 1},
		{"at a stale version", false, stale, runtime.Change{Set: two, Data: two}, nil, 3},
		{"at a stale version, with a conflict", false, stale, runtime.Change{Set: two, Data: two, Expect: two}, runtime.ErrConflict, 2},
		{"no session, at a version", true, stale, runtime.Change{Set: two, Data: two, Version: 1}, runtime.ErrNotFound, 2},
		{"without a version", false, none, runtime.Change{Set: two}, nil, 2},
		{"without a version, an absent key that stays absent", false, none, runtime.Change{Expect: map[string]json.RawMessage{"b": nil}}, nil, 2},
		{"without a version, no session", true, none, runtime.Change{Set: one}, runtime.ErrNotFound, 1},
		{"without a version, a conflict", false, none, runtime.Change{Expect: two}, runtime.ErrConflict, 1},
		{"without a version, too large", false, none, runtime.Change{Set: long, MaxSize: 5}, runtime.ErrTooLarge, 1},
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
				var version int64
				if !tt.missing {
					if err := s.Create(ctx, runtime.TokenHash{1}, runtime.Record{Data: one, ExpiresAt: time.Now().Add(time.Hour)}); err != nil {
						t.Fatal(err)
					}
					rec, err := s.Load(ctx, runtime.TokenHash{1})
					if err != nil {
						t.Fatal(err)
					}
					version = rec.Version
				}
				switch tt.version {
				case stale:
					if !tt.missing {
						if err := s.Update(ctx, runtime.TokenHash{1}, runtime.Change{ExpiresAt: time.Now().Add(time.Hour)}); err != nil {
							t.Fatal(err)
						}
					}
				case none:
					version = 0
				}
				if tt.change.Version == 0 {
					tt.change.Version = version
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

func TestUnstorableValuesAreInvalidValues(t *testing.T) {
	t.Parallel()
	s, _ := pgstoretest.New(t)
	ctx := context.Background()
	// What PostgreSQL's jsonb refuses (TestCheckStorableAgreesWithPostgreSQL),
	// which pgstore checks itself, since it stores data as bytea.
	tests := []struct {
		name string
		set  map[string]json.RawMessage
	}{
		{"NUL", map[string]json.RawMessage{"a": json.RawMessage(`"\u0000"`)}},
		{"lone high surrogate", map[string]json.RawMessage{"a": json.RawMessage(`"\ud800"`)}},
		{"lone low surrogate", map[string]json.RawMessage{"a": json.RawMessage(`"\udc00"`)}},
		{"number out of range", map[string]json.RawMessage{"a": json.RawMessage(`1e1000000`)}},
		{"NUL in a key", map[string]json.RawMessage{"a\x00": json.RawMessage(`1`)}},
	}
	stored := map[string]json.RawMessage{"kept": json.RawMessage(`1`)}
	for i, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if err := s.Create(ctx, runtime.TokenHash{byte(i), 1}, runtime.Record{Data: tt.set, ExpiresAt: time.Now().Add(time.Hour)}); !errors.Is(err, runtime.ErrInvalidValue) {
				t.Errorf("Create: got error %v, want one wrapping ErrInvalidValue", err)
			}
			h := runtime.TokenHash{byte(i), 2}
			if err := s.Create(ctx, h, runtime.Record{Data: stored, ExpiresAt: time.Now().Add(time.Hour)}); err != nil {
				t.Fatal(err)
			}
			rec, err := s.Load(ctx, h)
			if err != nil {
				t.Fatal(err)
			}
			for _, version := range []int64{0, rec.Version} { // the merge, and the write at a version
				data := maps.Clone(stored)
				maps.Copy(data, tt.set)
				c := runtime.Change{Set: tt.set, ExpiresAt: time.Now().Add(time.Hour), Version: version, Data: data}
				err := s.Update(ctx, h, c)
				if !errors.Is(err, runtime.ErrInvalidValue) {
					t.Errorf("Update at version %d: got error %v, want one wrapping ErrInvalidValue", version, err)
				}
				if err != nil && !strings.HasPrefix(err.Error(), "pgstore: update session: ") {
					t.Errorf("error %q lacks the prefix", err)
				}
			}
			if got, err := s.Load(ctx, h); err != nil || len(got.Data) != 1 || got.Version != rec.Version {
				t.Errorf("after refused updates: %v, %v; want the session as created", got, err)
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

func TestMemstoreComparesAsJSONB(t *testing.T) {
	t.Parallel()
	// memstore and this store's merge check Expect in Go (internal/jsonb);
	// they must agree with jsonb's equality, which Expect promises.
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
