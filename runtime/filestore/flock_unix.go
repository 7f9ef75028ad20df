//go:build darwin || dragonfly || freebsd || linux || netbsd || openbsd

package filestore

import (
	"errors"
	"os"
	"syscall"
)

// lockingSupported says whether this platform has the file locks the
// store needs: flock(2), which these systems all have.
const lockingSupported = true

// tryLock takes the flock(2) lock of f, shared or exclusive, without
// waiting. It reports false when another open file holds a conflicting
// lock.
func tryLock(f *os.File, exclusive bool) (bool, error) {
	how := syscall.LOCK_SH
	if exclusive {
		how = syscall.LOCK_EX
	}
	conn, err := f.SyscallConn()
	if err != nil {
		return false, err
	}
	var lockErr error
	err = conn.Control(func(fd uintptr) {
		for {
			lockErr = syscall.Flock(int(fd), how|syscall.LOCK_NB)
			if lockErr != syscall.EINTR {
				return
			}
		}
	})
	switch {
	case err != nil:
		return false, err
	case errors.Is(lockErr, syscall.EWOULDBLOCK):
		return false, nil
	case lockErr != nil:
		return false, os.NewSyscallError("flock", lockErr)
	}
	return true, nil
}
