package sessionlist

import (
	"cmp"
	"fmt"
	"slices"

	"github.com/sessiongen/sessiongen/runtime"
)

// CheckRange fails unless offset and limit name a page ListSessions can
// return: offset >= 0 and limit > 0.
func CheckRange(offset, limit int) error {
	if offset < 0 || limit <= 0 {
		return fmt.Errorf("offset %d, limit %d: want offset >= 0 and limit > 0", offset, limit)
	}
	return nil
}

// Page sorts infos newest first, by creation time and then by hash so that
// pages do not overlap, and returns at most limit of them after skipping
// offset, and how many there are in all. The page cannot be appended to
// in place of the infos after it.
func Page(infos []runtime.SessionInfo, offset, limit int) ([]runtime.SessionInfo, int64) {
	slices.SortFunc(infos, func(a, b runtime.SessionInfo) int {
		if c := b.CreatedAt.Compare(a.CreatedAt); c != 0 {
			return c
		}
		return cmp.Compare(string(a.Hash[:]), string(b.Hash[:]))
	})
	total := int64(len(infos))
	if offset >= len(infos) {
		return []runtime.SessionInfo{}, total
	}
	infos = infos[offset:]
	n := min(limit, len(infos))
	return infos[:n:n], total
}

// SortSaved sorts infos most recently saved first, and then by hash, the
// order of runtime.UserStore's UserSessions.
func SortSaved(infos []runtime.SessionInfo) {
	slices.SortFunc(infos, func(a, b runtime.SessionInfo) int {
		if c := b.UpdatedAt.Compare(a.UpdatedAt); c != 0 {
			return c
		}
		return cmp.Compare(string(a.Hash[:]), string(b.Hash[:]))
	})
}
