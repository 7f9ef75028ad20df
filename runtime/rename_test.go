package runtime_test

import (
	"testing"
)

func TestGetRenamed(t *testing.T) {
	forEachStore(t, func(t *testing.T, kind string) {
		e := newEnv(t, kind, renameRoutes(routes()))
		e.get("/set?k=hue&v=red")
		e.get("/set?k=color&v=blue") // the newer old name wins
		e.get("/set?k=size&v=L")
		token := e.token()

		resp, body := e.get("/colour")
		wantBody(t, "read through the old names", body, "blue")
		if c := sessionCookie(resp); c != nil {
			t.Fatalf("a read that fell back to an old name saved the session: %v", c)
		}
		rec := e.load(token)
		if rec.Data["colour"] != nil || string(rec.Data["color"]) != `"blue"` {
			t.Fatalf("a read alone rewrote the row: %s", rec.Data)
		}

		// The next save moves it, in the same write as the change.
		e.calls.Store(0)
		e.get("/set-and-read-colour")
		if n := e.calls.Load(); n != 2 {
			t.Errorf("a save that moves a renamed key: %d store calls, want 2 (load, one per-key write)", n)
		}
		rec = e.load(token)
		if string(rec.Data["colour"]) != `"blue"` || rec.Data["color"] != nil {
			t.Fatalf("after a save: %s; want colour moved from color", rec.Data)
		}
		if string(rec.Data["hue"]) != `"red"` || string(rec.Data["size"]) != `"L"` {
			t.Fatalf("unrelated keys changed: %s", rec.Data)
		}
		_, body = e.get("/colour")
		wantBody(t, "read under the new name", body, "blue")
	})
}
