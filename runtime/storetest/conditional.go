package storetest

import (
	"context"
	"encoding/json"
	"testing"
	"time"

	"github.com/sessiongen/sessiongen/runtime"
)

// condCase is a write under conditions (a Change's Expect or MaxSize) to a
// session that holds a check's start data. want is nil when the store must
// make the write, else the error the store must fail with, wrapped,
// writing nothing.
type condCase struct {
	name   string
	change runtime.Change
	want   error
}

// checkConditional runs each of cases, as a subtest, on a new session that
// holds start(): as an Update, or, when cycle is true, as a Cycle to a new
// hash. It checks that the store wrote the change when the conditions
// hold, and nothing when they do not.
func checkConditional(t *testing.T, s runtime.Store, start func() map[string]json.RawMessage, cases []condCase, cycle bool) {
	t.Helper()
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			exp := live()
			h := create(t, s, start(), exp)
			c := tc.change
			c.ExpiresAt = live().Add(time.Hour)
			op, to := "Update", h
			var err error
			if cycle {
				op, to = "Cycle", newHash(t)
				err = s.Cycle(context.Background(), h, to, c)
			} else {
				err = s.Update(context.Background(), h, c)
			}
			if tc.want == nil {
				if err != nil {
					t.Fatalf("%s: %v", op, err)
				}
				if cycle {
					wantAbsent(t, s, h)
				}
				wantRecord(t, s, to, applied(start(), c), c.ExpiresAt)
				return
			}
			wantErrorIs(t, op, err, tc.want)
			wantRecord(t, s, h, start(), exp)
			if cycle {
				wantAbsent(t, s, to)
			}
		})
	}
}
