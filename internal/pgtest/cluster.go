package pgtest

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"os/user"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
)

// binDirs are globbed, after $PATH, for initdb and pg_ctl; the newest
// version found wins.
var binDirs = []string{
	"/usr/lib/postgresql/*/bin",          // Debian, Ubuntu
	"/usr/pgsql-*/bin",                   // RHEL, Fedora (PGDG)
	"/usr/local/pgsql/bin",               // built from source
	"/opt/homebrew/opt/postgresql@*/bin", // Homebrew, Apple silicon
	"/usr/local/opt/postgresql@*/bin",    // Homebrew, Intel
}

// clusterUser runs the cluster when the tests run as root, which initdb
// refuses.
const clusterUser = "postgres"

// startCluster creates and starts a throwaway cluster in a temporary
// directory, listening on a free port of 127.0.0.1 and on a Unix socket in
// that directory. Its server's stop removes the directory.
func startCluster(ctx context.Context) (*server, error) {
	c, err := newCluster(ctx)
	if err != nil {
		return nil, err
	}
	if err := c.start(); err != nil {
		return nil, errors.Join(err, c.remove())
	}
	return &server{url: c.URL(), desc: "throwaway cluster in " + c.dir, stop: c.remove}, nil
}

// findBinDir returns the directory holding initdb and pg_ctl.
func findBinDir() (string, error) {
	if p, err := exec.LookPath("initdb"); err == nil {
		dir := filepath.Dir(p)
		if _, err := os.Stat(filepath.Join(dir, "pg_ctl")); err == nil {
			return dir, nil
		}
	}
	var dirs []string
	for _, pattern := range binDirs {
		matches, _ := filepath.Glob(pattern) // the patterns are well-formed
		for _, d := range matches {
			if _, err := os.Stat(filepath.Join(d, "initdb")); err != nil {
				continue
			}
			if _, err := os.Stat(filepath.Join(d, "pg_ctl")); err != nil {
				continue
			}
			dirs = append(dirs, d)
		}
	}
	if len(dirs) == 0 {
		return "", fmt.Errorf("initdb and pg_ctl not found in $PATH or %s", strings.Join(binDirs, ", "))
	}
	sort.SliceStable(dirs, func(i, j int) bool { return pathVersion(dirs[i]) > pathVersion(dirs[j]) })
	return dirs[0], nil
}

// pathVersion returns the first number in a directory path such as
// /usr/lib/postgresql/15/bin, or 0.
func pathVersion(p string) int {
	f := strings.FieldsFunc(p, func(r rune) bool { return r < '0' || r > '9' })
	if len(f) == 0 {
		return 0
	}
	n, _ := strconv.Atoi(f[0])
	return n
}

// clusterRunner runs the cluster's commands as the user who will own it.
type clusterRunner struct {
	asUser *user.User // nil: the current user
}

// runner returns how to run the cluster's commands: directly, or as
// clusterUser through runuser when the tests run as root.
func runner() (clusterRunner, error) {
	if os.Geteuid() != 0 {
		return clusterRunner{}, nil
	}
	u, err := user.Lookup(clusterUser)
	if err != nil {
		return clusterRunner{}, fmt.Errorf("running as root, and initdb refuses root: need a %q user to run the cluster as: %w", clusterUser, err)
	}
	if _, err := exec.LookPath("runuser"); err != nil {
		return clusterRunner{}, fmt.Errorf("running as root, and initdb refuses root: need runuser to run the cluster as %q: %w", clusterUser, err)
	}
	return clusterRunner{asUser: u}, nil
}

// own gives dir to the cluster's user.
func (r clusterRunner) own(dir string) error {
	if r.asUser == nil {
		return nil
	}
	uid, err := strconv.Atoi(r.asUser.Uid)
	if err != nil {
		return err
	}
	gid, err := strconv.Atoi(r.asUser.Gid)
	if err != nil {
		return err
	}
	return os.Chown(dir, uid, gid)
}

// cmd returns the command that runs name with args as the cluster's user.
func (r clusterRunner) cmd(ctx context.Context, name string, args ...string) *exec.Cmd {
	var c *exec.Cmd
	if r.asUser == nil {
		c = exec.CommandContext(ctx, name, args...)
	} else {
		c = exec.CommandContext(ctx, "runuser", append([]string{"-u", r.asUser.Username, "--", name}, args...)...)
	}
	c.Dir = os.TempDir() // a directory every user can enter
	c.Stdin = bytes.NewReader(nil)
	return c
}
