package spec

import (
	"testing"
	"time"
)

// TestRejectsPolicies checks the messages and positions of the problems of
// ttl, on_sign_in and encrypted.
func TestRejectsPolicies(t *testing.T) {
	testRejects(t, []rejection{
		{"ttl without a unit", "keys:\n  a:\n    type: int\n    ttl: 10\n",
			`s.yaml:4:10: ttl must be a positive Go duration, such as 10m or 1h30m, with its unit, not 10`},
		{"ttl in words", "keys:\n  a:\n    type: int\n    ttl: 10 minutes\n",
			`s.yaml:4:10: ttl must be a positive Go duration, such as 10m or 1h30m, not "10 minutes"`},
		{"ttl in days", "keys:\n  a:\n    type: int\n    ttl: 1d\n",
			`s.yaml:4:10: ttl must be a positive Go duration, such as 10m or 1h30m, not "1d"`},
		{"ttl zero", "keys:\n  a:\n    type: int\n    ttl: 0s\n",
			`s.yaml:4:10: ttl must be a positive Go duration, such as 10m or 1h30m: 0s would end every value as it is set`},
		{"ttl negative", "keys:\n  a:\n    type: int\n    ttl: -5m\n",
			`s.yaml:4:10: ttl must be a positive Go duration, such as 10m or 1h30m: -5m would end every value as it is set`},
		{"ttl a list", "keys:\n  a:\n    type: int\n    ttl: [10m]\n",
			`s.yaml:4:10: ttl must be a positive Go duration, such as 10m or 1h30m`},
		{"ttl overflows", "keys:\n  a:\n    type: int\n    ttl: 9999999999h\n",
			`s.yaml:4:10: ttl must be a positive Go duration, such as 10m or 1h30m, not "9999999999h"`},
		{"on_sign_in unknown", "keys:\n  a:\n    type: int\n    on_sign_in: remove\n",
			`s.yaml:4:17: on_sign_in must be keep (the default: the value stays when the user signs in) or drop (SignIn and CycleKey remove it)`},
		{"on_sign_in a bool", "keys:\n  a:\n    type: int\n    on_sign_in: true\n",
			`s.yaml:4:17: on_sign_in must be keep (the default: the value stays when the user signs in) or drop (SignIn and CycleKey remove it)`},
		{"encrypted not a bool", "keys:\n  a:\n    type: int\n    encrypted: yes\n",
			`s.yaml:4:16: encrypted must be true or false`},
		{"encrypted not sensitive", "keys:\n  a:\n    type: int\n    sensitive: false\n    encrypted: true\n",
			`s.yaml:4:16: key "a" is encrypted, which makes it sensitive: remove sensitive: false`},
		{"ttl and renamed_from", "keys:\n  a:\n    type: int\n    ttl: 10m\n    renamed_from: [b]\n",
			`s.yaml:4:10: key "a" has a ttl and renamed_from: values under a former name have no deadline of the key's; ` +
				`declare the new key beside the old one instead, and remove the old one once its values have ended (10m after the last was set)`},
		{"encrypted and renamed_from", "keys:\n  a:\n    type: int\n    renamed_from: [b]\n    encrypted: true\n",
			`s.yaml:5:16: key "a" is encrypted and has renamed_from: a sealed value is bound to the name of its key, ` +
				`so it does not move to another; declare the new key beside the old one instead, and retire the old one`},
		{"several at once", "keys:\n  a:\n    type: int\n    ttl: 0s\n    on_sign_in: later\n  b:\n    type: nope\n    encrypted: 1\n",
			"s.yaml:4:10: ttl must be a positive Go duration, such as 10m or 1h30m: 0s would end every value as it is set\n" +
				"s.yaml:5:17: on_sign_in must be keep (the default: the value stays when the user signs in) or drop (SignIn and CycleKey remove it)\n" +
				`s.yaml:7:11: unknown type "nope"` + "\n" +
				"s.yaml:8:16: encrypted must be true or false"},
	})
}

// TestReadsPolicies checks the model of keys with policies.
func TestReadsPolicies(t *testing.T) {
	s, err := Read("s.yaml", []byte(`keys:
  otp:
    type: string
    ttl: 10m
    encrypted: true
    on_sign_in: drop
  wizard_step:
    type: int
    ttl: 1h30m
    on_sign_in: keep
  api_token:
    type: string
    encrypted: true
    sensitive: true
    flash: true
  theme:
    type: string
`))
	if err != nil {
		t.Fatal(err)
	}
	for i, want := range []struct {
		ttl                        time.Duration
		encrypted, sensitive, drop bool
		policy                     bool
	}{
		{10 * time.Minute, true, true, true, true},
		{90 * time.Minute, false, false, false, true},
		{0, true, true, false, true},
		{0, false, false, false, false},
	} {
		k := s.Keys[i]
		if k.TTL != want.ttl || k.Encrypted != want.encrypted || k.Sensitive != want.sensitive ||
			k.DropOnSignIn != want.drop || k.HasPolicy() != want.policy {
			t.Errorf("%s: ttl %v, encrypted %v, sensitive %v, drop %v, policy %v; want %+v",
				k.Name, k.TTL, k.Encrypted, k.Sensitive, k.DropOnSignIn, k.HasPolicy(), want)
		}
	}
	if p := s.Keys[0].PosOf("ttl"); p.Line != 4 || p.Col != 10 {
		t.Errorf("ttl is at %v, want s.yaml:4:10", p)
	}
}

func TestDurationText(t *testing.T) {
	for d, want := range map[time.Duration]string{
		10 * time.Minute:        "10m",
		90 * time.Minute:        "1h30m",
		2 * time.Hour:           "2h",
		90 * time.Second:        "1m30s",
		30 * time.Second:        "30s",
		1500 * time.Millisecond: "1.5s",
		time.Hour + time.Second: "1h0m1s",
		250 * time.Millisecond:  "250ms",
	} {
		if got := DurationText(d); got != want {
			t.Errorf("DurationText(%v) = %q, want %q", d, got, want)
		}
	}
}
