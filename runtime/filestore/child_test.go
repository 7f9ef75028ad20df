package filestore_test

import (
	"os"
	"os/exec"
	"testing"
)

// childEnv names the environment variable that makes the test binary,
// run again by a test as a child process, play a part in that test: its
// value says which. The tests that read it run their part and return.
const childEnv = "FILESTORE_TEST_CHILD"

// childCommand returns a command that runs the test binary again, as a
// child process, with only the test named test, childEnv set to role,
// and env added to its environment.
func childCommand(t *testing.T, test, role string, env ...string) *exec.Cmd {
	t.Helper()
	exe, err := os.Executable()
	if err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command(exe, "-test.run=^"+test+"$", "-test.count=1")
	cmd.Env = append(os.Environ(), append(env, childEnv+"="+role)...)
	return cmd
}
