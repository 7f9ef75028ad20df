package main

import (
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

// breakingOld is the earlier schema of the breaking tests.
const breakingOld = `keys:
  user_id:
    type: int64
  basket:
    type: "[]int64"
  theme:
    type: string
    default: light
`

// writeTestFile writes src to name in dir, making its folders, and
// returns its path.
func writeTestFile(t *testing.T, dir, name, src string) string {
	t.Helper()
	path := filepath.Join(dir, name)
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path, []byte(src), 0o644); err != nil {
		t.Fatal(err)
	}
	return path
}

func TestBreakingCommand(t *testing.T) {
	tests := []struct {
		name       string
		new        string
		args       []string
		wantCode   int
		wantStdout string // with OLD and NEW for the files' paths
		wantStderr string // a part of stderr; "" for none at all
	}{
		{
			name:     "removed key",
			new:      "keys:\n  user_id:\n    type: int64\n  theme:\n    type: string\n    default: light\n",
			wantCode: 1,
			wantStdout: `OLD:4:3: breaking: key "basket" is removed: values stored under it are no longer read; ` +
				"if it was renamed, list it in the new key's renamed_from\n",
			wantStderr: "breaking changes against OLD; if they are intended, acknowledge them with -allow basket\n",
		},
		{
			name:     "removed key allowed",
			new:      "keys:\n  user_id:\n    type: int64\n  theme:\n    type: string\n    default: light\n",
			args:     []string{"-allow", "basket"},
			wantCode: 0,
			wantStdout: `OLD:4:3: breaking (allowed): key "basket" is removed: values stored under it are no longer read; ` +
				"if it was renamed, list it in the new key's renamed_from\n",
		},
		{
			name:     "renamed without renamed_from, two allowed, one not",
			new:      "keys:\n  user_id:\n    type: string\n  cart:\n    type: \"[]int64\"\n  theme:\n    type: int\n",
			args:     []string{"-allow", "basket", "-allow", "user_id,nothing"},
			wantCode: 1,
			wantStdout: `NEW:3:11: breaking (allowed): key "user_id" changes type from int64 to string: int64 values are stored as JSON numbers, which do not decode into string; they read as unset` + "\n" +
				`NEW:4:3: breaking (allowed): key "cart" is added and key "basket" (OLD:4:3) of the same type []int64 removed: if it is a rename, say so with renamed_from: [basket]; without it, values stored under basket are lost` + "\n" +
				`NEW:6:3: warning: key "theme" loses its default "light": sessions that never set it read the zero value instead` + "\n" +
				`NEW:7:11: breaking: key "theme" changes type from string to int: string values are stored as JSON strings, which do not decode into int; they read as unset` + "\n",
			wantStderr: "-allow nothing: no breaking change of that key against OLD\n" +
				"sessiongen breaking: breaking changes against OLD; if they are intended, acknowledge them with -allow theme\n",
		},
		{
			name:     "renamed with renamed_from and widened",
			new:      "keys:\n  user_id:\n    type: int64\n  cart:\n    type: \"[]int64\"\n    renamed_from: [basket]\n  theme:\n    type: string\n    default: light\n  visits:\n    type: int\n",
			wantCode: 0,
		},
		{
			name:       "warnings only",
			new:        "keys:\n  user_id:\n    type: float64\n  basket:\n    type: \"[]int64\"\n  theme:\n    type: string\n    default: dark\n",
			wantCode:   0,
			wantStdout: "NEW:3:11: warning: key \"user_id\" changes type from int64 to float64: stored integers beyond 2^53 are rounded\nNEW:8:14: warning: key \"theme\" changes its default from \"light\" to \"dark\": sessions that never set it read the new one\n",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			dir := t.TempDir()
			old := writeTestFile(t, dir, "old.yaml", breakingOld)
			cur := writeTestFile(t, dir, "sessions.yaml", tt.new)
			args := append([]string{"breaking", "-against", old, "-f", cur}, tt.args...)
			code, stdout, stderr := runCmd(t, args...)
			names := strings.NewReplacer("OLD", old, "NEW", cur)
			if code != tt.wantCode {
				t.Errorf("exit %d, want %d; stderr:\n%s", code, tt.wantCode, stderr)
			}
			if want := names.Replace(tt.wantStdout); stdout != want {
				t.Errorf("stdout:\n%s\nwant:\n%s", stdout, want)
			}
			if want := names.Replace(tt.wantStderr); want == "" && stderr != "" || !strings.Contains(stderr, want) {
				t.Errorf("stderr:\n%s\nwant it to hold:\n%s", stderr, want)
			}
		})
	}
}

// TestBreakingCommandErrors checks usage errors and unreadable schemas.
func TestBreakingCommandErrors(t *testing.T) {
	dir := t.TempDir()
	good := writeTestFile(t, dir, "sessions.yaml", breakingOld)
	bad := writeTestFile(t, dir, "bad.yaml", "keys:\n  a:\n    type: int65\n")
	tests := []struct {
		name     string
		args     []string
		wantCode int
		want     string
	}{
		{"no against", []string{"-f", good}, 2, "-against is required"},
		{"extra argument", []string{"-against", good, "-f", good, "x"}, 2, `unexpected argument "x"`},
		{"bad old schema", []string{"-against", bad, "-f", good}, 1, bad + `:3:11: unknown type "int65"`},
		{"bad new schema", []string{"-against", good, "-f", bad}, 1, bad + `:3:11: unknown type "int65"`},
		{"missing old schema", []string{"-against", filepath.Join(dir, "nope.yaml"), "-f", good}, 1, "nope.yaml"},
		{"empty git revision", []string{"-against", "git:", "-f", good}, 1, "needs a revision"},
		{"not in git", []string{"-against", "git:HEAD", "-f", good}, 1, "git repository"},
	}
	t.Setenv("GIT_CEILING_DIRECTORIES", filepath.Dir(dir)) // the temporary folder is in no repository
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			code, _, stderr := runCmd(t, append([]string{"breaking"}, tt.args...)...)
			if code != tt.wantCode || !strings.Contains(stderr, tt.want) {
				t.Errorf("exit %d, stderr:\n%s\nwant exit %d and %q", code, stderr, tt.wantCode, tt.want)
			}
		})
	}
	if code, _, stderr := runCmd(t, "breaking", "-h"); code != 0 || !strings.Contains(stderr, "-against") {
		t.Errorf("-h: exit %d, stderr %q", code, stderr)
	}
}

// gitRepo makes a git repository in a new folder, with git's own
// configuration shut out, and returns its path and a function running git
// in it.
func gitRepo(t *testing.T) (string, func(args ...string)) {
	t.Helper()
	if _, err := exec.LookPath("git"); err != nil {
		t.Skip("no git command")
	}
	dir := t.TempDir()
	t.Setenv("GIT_CONFIG_GLOBAL", os.DevNull)
	t.Setenv("GIT_CONFIG_NOSYSTEM", "1")
	run := func(args ...string) {
		t.Helper()
		cmd := exec.Command("git", append([]string{"-c", "user.name=Test", "-c", "user.email=test@example.com"}, args...)...)
		cmd.Dir = dir
		if out, err := cmd.CombinedOutput(); err != nil {
			t.Fatalf("git %v: %v\n%s", args, err, out)
		}
	}
	run("init", "-q", "-b", "main")
	return dir, run
}

// TestBreakingAgainstGit compares a schema in a subfolder of a git
// repository with its committed version, from another working folder.
func TestBreakingAgainstGit(t *testing.T) {
	repo, git := gitRepo(t)
	schema := writeTestFile(t, repo, "app/session/sessions.yaml", breakingOld)
	git("add", ".")
	git("commit", "-q", "-m", "v1")
	git("tag", "v1")
	writeTestFile(t, repo, "app/session/sessions.yaml", "keys:\n  user_id:\n    type: int32\n  basket:\n    type: \"[]int64\"\n  theme:\n    type: string\n    default: light\n")
	t.Chdir(t.TempDir())

	code, stdout, stderr := runCmd(t, "breaking", "-against", "git:v1", "-f", schema)
	want := schema + `:3:11: breaking: key "user_id" changes type from int64 to int32: stored values beyond the range of int32 no longer decode and read as unset` + "\n"
	if code != 1 || stdout != want {
		t.Errorf("exit %d, stdout:\n%s\nwant exit 1 and:\n%s\nstderr: %s", code, stdout, want, stderr)
	}

	// A key removed is reported where the committed schema declared it.
	writeTestFile(t, repo, "app/session/sessions.yaml", "keys:\n  user_id:\n    type: int64\n  theme:\n    type: string\n    default: light\n")
	code, stdout, _ = runCmd(t, "breaking", "-against", "git:main", "-f", schema)
	if want := `main:app/session/sessions.yaml:4:3: breaking: key "basket" is removed`; code != 1 || !strings.HasPrefix(stdout, want) {
		t.Errorf("exit %d, stdout:\n%s\nwant exit 1 and a line starting %s", code, stdout, want)
	}

	// Once committed, the change is no longer a change.
	git("commit", "-q", "-a", "-m", "v2")
	if code, stdout, stderr := runCmd(t, "breaking", "-against", "git:main", "-f", schema); code != 0 || stdout != "" {
		t.Errorf("against its own commit: exit %d, stdout %q, stderr %q", code, stdout, stderr)
	}

	// A schema the revision does not have is new: nothing can break.
	other := writeTestFile(t, repo, "other/sessions.yaml", breakingOld)
	code, _, stderr = runCmd(t, "breaking", "-against", "git:main", "-f", other)
	if code != 0 || !strings.Contains(stderr, "no schema at that revision: main:other/sessions.yaml; nothing to compare") {
		t.Errorf("new schema: exit %d, stderr %q", code, stderr)
	}

	code, _, stderr = runCmd(t, "breaking", "-against", "git:no-such-branch", "-f", schema)
	if code != 1 || !strings.Contains(stderr, `unknown git revision "no-such-branch"`) {
		t.Errorf("unknown revision: exit %d, stderr %q", code, stderr)
	}
}
