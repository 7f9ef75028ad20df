package runtime

import (
	"slices"
	"testing"
)

// TestReservedKeys checks the table of the keys the runtime keeps: every
// one of them, in order of name, each reserved and described.
func TestReservedKeys(t *testing.T) {
	t.Parallel()
	keys := ReservedKeys()
	var names []string
	for _, k := range keys {
		names = append(names, k.Name)
		if !IsReservedKey(k.Name) {
			t.Errorf("%q does not begin with ReservedPrefix %q", k.Name, ReservedPrefix)
		}
		if k.Doc == "" {
			t.Errorf("%q has no Doc", k.Name)
		}
	}
	if want := []string{absoluteLifetimeKey, absoluteDeadlineKey, expiryKey, idleTimeoutKey, idleDeadlineKey, signedInKey, testCookieKey, ttlPrefix}; !slices.Equal(names, want) || !slices.IsSorted(names) {
		t.Errorf("ReservedKeys names %q, want %q, in order", names, want)
	}
	keys[0].Name = "changed"
	if ReservedKeys()[0].Name == "changed" {
		t.Error("changing the returned slice changed the runtime's")
	}
	for _, name := range []string{"theme", "x_", ""} {
		if IsReservedKey(name) {
			t.Errorf("IsReservedKey(%q) = true", name)
		}
	}
}

func TestReservedKeyDoc(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		want bool
	}{
		{expiryKey, true}, {testCookieKey, true}, {ttlPrefix + "cart", true},
		{ttlPrefix, false}, {"_ttl", false}, {"_expiry.x", false}, {"_later", false}, {"cart", false},
	}
	for _, tt := range tests {
		if doc, ok := ReservedKeyDoc(tt.name); ok != tt.want || ok && doc == "" {
			t.Errorf("ReservedKeyDoc(%q) = %q, %v; want found %v", tt.name, doc, ok, tt.want)
		}
	}
}
