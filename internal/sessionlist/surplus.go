package sessionlist

import "github.com/sessiongen/sessiongen/runtime"

// Surplus returns the hashes of the sessions of infos beyond the keep
// most recently saved (SortSaved's order), least recently saved last:
// those that a bound of keep + 1 sessions per user (one more: the one
// being signed in) ends. It sorts infos.
func Surplus(infos []runtime.SessionInfo, keep int) []runtime.TokenHash {
	SortSaved(infos)
	if keep >= len(infos) {
		return nil
	}
	hs := make([]runtime.TokenHash, 0, len(infos)-keep)
	for _, info := range infos[max(keep, 0):] {
		hs = append(hs, info.Hash)
	}
	return hs
}
