package pgtest

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

// DistributedSwitch is the environment variable that turns on the tests
// that start infrastructure beyond one PostgreSQL: a PgBouncer
// (StartBouncer), a primary with a standby (StartReplicated). They run
// when it is 1, as .ci/distributed sets it; the default `go test ./...`
// skips them.
const DistributedSwitch = "SESSIONGEN_DISTRIBUTED"

// requireDistributed skips t, saying how to run it, unless the distributed
// tests are on. When they are, it returns the path of each tool, looked up
// in dirs, then in $PATH; when one is missing it skips t, saying how to
// install it (install), or fails t when CI=true.
func requireDistributed(t testing.TB, what, install string, dirs []string, tools ...string) map[string]string {
	t.Helper()
	if os.Getenv(DistributedSwitch) != "1" {
		t.Skipf("starts %s: set %s=1 to run it, or run .ci/distributed", what, DistributedSwitch)
	}
	paths := map[string]string{}
	var missing []string
	for _, tool := range tools {
		if p := lookTool(tool, dirs); p != "" {
			paths[tool] = p
		} else {
			missing = append(missing, tool)
		}
	}
	if len(missing) > 0 {
		msg := fmt.Sprintf("pgtest: %s not found in $PATH or %s: %s, as .ci/distributed does",
			strings.Join(missing, ", "), strings.Join(dirs, ", "), install)
		if os.Getenv("CI") == "true" {
			t.Fatal(msg + " (CI=true: failing rather than skipping)")
		}
		t.Skip(msg)
	}
	return paths
}

// lookTool returns the path of tool in one of dirs or else in $PATH, or
// "". dirs come first, so that tools of one installation go together.
func lookTool(tool string, dirs []string) string {
	for _, d := range dirs {
		p := filepath.Join(d, tool)
		if st, err := os.Stat(p); err == nil && !st.IsDir() && st.Mode()&0o111 != 0 {
			return p
		}
	}
	if p, err := exec.LookPath(tool); err == nil {
		return p
	}
	return ""
}
