package redisstore

import "time"

// SetGrace sets how long a member of a user's set stays after it was
// added, whatever its session, in place of a minute.
func (s *Store) SetGrace(d time.Duration) { s.grace = d }

// UserKey returns the key of the set of userID's sessions.
func (s *Store) UserKey(userID string) string { return s.userKey(userID) }

// BusyKey returns the key of the marks of the DeleteUserSessions under way
// for userID.
func (s *Store) BusyKey(userID string) string { return busyKey(s.userKey(userID)) }
