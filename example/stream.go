package main

import (
	"errors"
	"fmt"
	"net/http"
	"slices"
	"time"

	"github.com/sessiongen/sessiongen/example/session"
	"github.com/sessiongen/sessiongen/runtime"
)

// heartbeat is how often an idle event stream sends a comment, so that
// proxies that close silent connections keep it open.
const heartbeat = 25 * time.Second

// deviceEvents returns the handler of GET /devices/events: a stream of
// server-sent events that the devices page opens, and that sends one
// "ended" event, then closes, when the session ends on any instance: a
// sign-out here or on another device ("sign out everywhere"), the per-user
// limit, the janitor. The page then reloads, and finds itself signed out.
// A long-lived connection of a signed-out session is what an application
// must close, and what it could not see without lifecycle events. With a
// store that has no event bus (files), it answers 204 No Content, which
// tells the browser not to reconnect.
func (s *shop) deviceEvents(mgr *runtime.Manager) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		sess := session.From(r)
		user, ok := sess.BoundUser()
		current, stored := runtime.FromRequest(r).Hash()
		if !ok || !stored {
			http.Error(w, "Sign in to follow your devices.", http.StatusUnauthorized)
			return
		}
		ended, err := mgr.Ended(r.Context(), current)
		if errors.Is(err, runtime.ErrNoEventBus) {
			w.WriteHeader(http.StatusNoContent)
			return
		}
		if err != nil {
			s.unavailable(w, "follow session events", err, "Your devices cannot be followed right now.")
			return
		}
		// An end published before Ended listened is not delivered: look
		// once that the session is still one of its user's.
		infos, err := s.devices.UserSessions(r.Context(), user)
		if err != nil {
			s.unavailable(w, "follow session events", err, "Your devices cannot be followed right now.")
			return
		}
		w.Header().Set("Content-Type", "text/event-stream")
		w.Header().Set("Cache-Control", "no-store")
		rc := http.NewResponseController(w)
		if !slices.ContainsFunc(infos, func(i runtime.SessionInfo) bool { return i.Hash == current }) {
			sendEnded(w, rc, runtime.EndSignedOut)
			return
		}
		fmt.Fprint(w, ": listening\n\n")
		if rc.Flush() != nil {
			return
		}
		tick := time.NewTicker(heartbeat)
		defer tick.Stop()
		for {
			select {
			case e := <-ended:
				sendEnded(w, rc, e.Reason)
				return
			case <-tick.C:
				fmt.Fprint(w, ": still here\n\n")
				if rc.Flush() != nil {
					return
				}
			case <-r.Context().Done():
				return
			}
		}
	}
}

// sendEnded writes the "ended" event, with the reason as its data (a
// cycle away from the session's token carries none), and flushes it.
func sendEnded(w http.ResponseWriter, rc *http.ResponseController, reason runtime.EndReason) {
	fmt.Fprintf(w, "event: ended\ndata: %s\n\n", reason)
	_ = rc.Flush() // the stream ends here either way
}
