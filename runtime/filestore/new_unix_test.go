//go:build darwin || dragonfly || freebsd || linux || netbsd || openbsd

package filestore_test

import (
	"io"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"

	"github.com/sessiongen/sessiongen/runtime/filestore"
)

// nobody is the user an unwritable directory is checked as when the tests
// run as root, whom permissions do not stop.
const nobody = 65534

// TestNewRefusesAnUnwritableDirectory checks New's error on a directory
// the process may read but not write. As root, whom file permissions do
// not stop, it runs its check in a child process as the user nobody.
func TestNewRefusesAnUnwritableDirectory(t *testing.T) {
	if os.Getenv(childEnv) == "unwritable" {
		wantUnwritable(t, os.Getenv("FILESTORE_TEST_DIR"))
		return
	}
	t.Parallel()
	// The test's temporary directory, and a directory in it that only its
	// owner may write.
	root := filepath.Dir(t.TempDir())
	dir := filepath.Join(root, "sessions")
	if err := os.Mkdir(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.Chmod(dir, 0o555); err != nil {
		t.Fatal(err)
	}
	if os.Geteuid() != 0 {
		wantUnwritable(t, dir)
		return
	}
	// The child must be able to run a copy of the test binary and reach
	// the directory.
	if err := os.Chmod(root, 0o755); err != nil {
		t.Fatal(err)
	}
	exe := filepath.Join(root, "filestore.test")
	copyFile(t, exe, 0o755)
	cmd := childCommand(t, "TestNewRefusesAnUnwritableDirectory", "unwritable", "FILESTORE_TEST_DIR="+dir)
	cmd.Args = append(cmd.Args, "-test.v")
	cmd.Path, cmd.Args[0], cmd.Dir = exe, exe, root
	cmd.SysProcAttr = &syscall.SysProcAttr{Credential: &syscall.Credential{Uid: nobody, Gid: nobody}}
	out, err := cmd.CombinedOutput()
	if err != nil || !strings.Contains(string(out), "PASS") {
		t.Fatalf("the check as user %d: %v\n%s", nobody, err, out)
	}
	t.Logf("the check as user %d:\n%s", nobody, out)
}

// wantUnwritable fails t unless New refuses dir, saying it is not
// writable and why.
func wantUnwritable(t *testing.T, dir string) {
	t.Helper()
	s, err := filestore.New(dir)
	if err == nil {
		t.Fatalf("New(%s) = %v as uid %d, want an error: the directory is not writable", dir, s, os.Geteuid())
	}
	msg := err.Error()
	if !strings.HasPrefix(msg, "filestore: session directory "+dir+" is not writable by this process") || !strings.Contains(msg, "permission denied") {
		t.Errorf("New(%s): %q; want it to name the directory, say it is not writable, and why", dir, msg)
	}
	t.Log(msg)
}

// copyFile copies the running test binary to dst with the given mode.
func copyFile(t *testing.T, dst string, mode os.FileMode) {
	t.Helper()
	exe, err := os.Executable()
	if err != nil {
		t.Fatal(err)
	}
	in, err := os.Open(exe)
	if err != nil {
		t.Fatal(err)
	}
	defer in.Close()
	out, err := os.OpenFile(dst, os.O_WRONLY|os.O_CREATE|os.O_EXCL, mode)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := io.Copy(out, in); err != nil {
		t.Fatal(err)
	}
	if err := out.Close(); err != nil {
		t.Fatal(err)
	}
}
