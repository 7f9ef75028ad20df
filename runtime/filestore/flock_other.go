//go:build !(darwin || dragonfly || freebsd || linux || netbsd || openbsd)

package filestore

import (
	"errors"
	"os"
)

// lockingSupported says whether this platform has the file locks the
// store needs. This one has no flock(2) in package syscall, and the store
// does not run without a lock that other processes see: New fails.
const lockingSupported = false

// tryLock is never called on this platform: New fails first.
func tryLock(*os.File, bool) (bool, error) { return false, errors.ErrUnsupported }
