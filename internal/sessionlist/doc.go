// Package sessionlist holds the order and paging of the listings of
// sessions, runtime.AdminStore's ListSessions and runtime.UserStore's
// UserSessions, for the stores that list sessions by reading them all and
// sorting them: memstore, filestore and redisstore.
package sessionlist
