package api

import (
	"slices"
	"testing"
)

// TestLifecycle checks that the lifecycle methods read from runtime.Session
// are its exported methods, Hash among them (the generated type promotes it
// too), and none of its unexported helpers.
func TestLifecycle(t *testing.T) {
	for _, name := range []string{"Flush", "CycleKey", "SignIn", "SetExpiry", "Err", "Hash"} {
		if !slices.Contains(Lifecycle, name) {
			t.Errorf("Lifecycle lacks %s: %v", name, Lifecycle)
		}
	}
	for _, name := range Lifecycle {
		if name == "" || name[0] < 'A' || name[0] > 'Z' {
			t.Errorf("Lifecycle lists %q, which is not an exported method", name)
		}
	}
	if !slices.IsSorted(Lifecycle) {
		t.Errorf("Lifecycle is not sorted: %v", Lifecycle)
	}
}
