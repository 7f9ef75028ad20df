package runtime

import (
	"encoding/json"
	"testing"
	"time"
)

func TestExpiryRules(t *testing.T) {
	now := time.Date(2026, 11, 22, 12, 0, 0, 0, time.UTC)
	const age = 1209600 * time.Second
	at := now.Add(90 * time.Minute)
	tests := []struct {
		name       string
		e          Expiry
		setting    bool
		wantAge    time.Duration
		wantDate   time.Time
		wantBrowse bool
	}{
		{"default", ExpireDefault(), false, age, now.Add(age), false},
		{"default, setting on", ExpireDefault(), true, age, now.Add(age), true},
		{"after", ExpireAfter(10 * time.Second), false, 10 * time.Second, now.Add(10 * time.Second), false},
		{"after, setting on", ExpireAfter(10 * time.Second), true, 10 * time.Second, now.Add(10 * time.Second), false},
		{"at", ExpireAt(at), false, 90 * time.Minute, at, false},
		{"browser", ExpireAtBrowserClose(), false, age, now.Add(age), true},
		{"browser, setting on", ExpireAtBrowserClose(), true, age, now.Add(age), true},
		{"past", ExpireAfter(-10 * time.Second), false, -10 * time.Second, now.Add(-10 * time.Second), false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := tt.e.age(now, age); got != tt.wantAge {
				t.Errorf("age = %v, want %v", got, tt.wantAge)
			}
			if got := tt.e.date(now, age); !got.Equal(tt.wantDate) {
				t.Errorf("date = %v, want %v", got, tt.wantDate)
			}
			if got := tt.e.atBrowserClose(tt.setting); got != tt.wantBrowse {
				t.Errorf("atBrowserClose(%v) = %v, want %v", tt.setting, got, tt.wantBrowse)
			}
			// The stored form comes back as the same rule.
			raw, err := json.Marshal(tt.e.stored())
			if err != nil {
				t.Fatal(err)
			}
			var st storedExpiry
			if err := json.Unmarshal(raw, &st); err != nil {
				t.Fatal(err)
			}
			back := st.expiry()
			if back.kind != tt.e.kind || back.after != tt.e.after || !back.at.Equal(tt.e.at) {
				t.Errorf("stored %s came back as %+v, want %+v", raw, back, tt.e)
			}
		})
	}
}

func TestDamagedStoredExpiryIsDefault(t *testing.T) {
	for _, raw := range []string{`{"kind":"at"}`, `{"kind":"weird"}`, `{}`} {
		var st storedExpiry
		if err := json.Unmarshal([]byte(raw), &st); err != nil {
			t.Fatal(err)
		}
		if e := st.expiry(); e.kind != expiryDefault {
			t.Errorf("%s read as %+v, want the default", raw, e)
		}
	}
}
