package runtime_test

import (
	"errors"
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"testing"

	"github.com/sessiongen/sessiongen/runtime"
)

// userID is a user id type with a text form, as a schema's user block may
// name; the zero id has none.
type userID struct{ n int }

func (u userID) MarshalText() ([]byte, error) {
	if u.n == 0 {
		return nil, errors.New("no id")
	}
	return []byte("u" + strconv.Itoa(u.n)), nil
}

func (u *userID) UnmarshalText(b []byte) error {
	s, ok := strings.CutPrefix(string(b), "u")
	if !ok {
		return errors.New("no u prefix in " + string(b)) // quotes the id: must not be logged
	}
	n, err := strconv.Atoi(s)
	u.n = n
	return err
}

// parseUserID is what generated code passes BoundUserAs for userID.
func parseUserID(text string) (userID, error) {
	var id userID
	err := id.UnmarshalText([]byte(text))
	return id, err
}

// parseInt64 is what generated code passes BoundUserAs for int64.
func parseInt64(text string) (int64, error) { return strconv.ParseInt(text, 10, 64) }

// TestTypedUser signs in with text forms, reads them back typed, and reads
// ids that do not parse as not bound, logged once per session without the
// id.
func TestTypedUser(t *testing.T) {
	mux := http.NewServeMux()
	mux.HandleFunc("/signin", func(w http.ResponseWriter, r *http.Request) {
		s := runtime.FromRequest(r)
		runtime.Set(s, "cart", "tea") // an empty session is not kept
		if n := r.FormValue("n"); n != "" {
			n, _ := strconv.Atoi(n)
			runtime.SignInText(s, userID{n})
			return
		}
		s.SignIn(r.FormValue("id"))
	})
	mux.HandleFunc("/int64", func(w http.ResponseWriter, r *http.Request) {
		s := runtime.FromRequest(r)
		for range 2 {
			id, ok := runtime.BoundUserAs(s, parseInt64)
			fmt.Fprintf(w, "%d %v;", id, ok)
		}
	})
	mux.HandleFunc("/named", func(w http.ResponseWriter, r *http.Request) {
		id, ok := runtime.BoundUserAs(runtime.FromRequest(r), parseUserID)
		fmt.Fprintf(w, "%d %v;", id.n, ok)
	})
	e := newEnv(t, "memstore", mux)

	if _, body := e.get("/int64"); body != "0 false;0 false;" {
		t.Errorf("not signed in: BoundUserAs = %s", body)
	}
	e.get("/signin?id=42")
	if _, body := e.get("/int64"); body != "42 true;42 true;" {
		t.Errorf("signed in as 42: BoundUserAs = %s", body)
	}
	if strings.Contains(e.logs.String(), "does not parse") {
		t.Errorf("an id that parses was logged:\n%s", e.logs)
	}

	const bad = "alice-the-user"
	e.get("/signin?id=" + bad)
	for range 2 {
		if _, body := e.get("/int64"); body != "0 false;0 false;" {
			t.Errorf("signed in as %s: BoundUserAs as int64 = %s, want not bound", bad, body)
		}
	}
	if _, body := e.get("/named"); body != "0 false;" {
		t.Errorf("signed in as %s: BoundUserAs as userID = %s, want not bound", bad, body)
	}
	logs := e.logs.String()
	if n := strings.Count(logs, "session user id does not parse"); n != 3 {
		t.Errorf("logged %d times over 3 sessions that read a bad id, want once per session:\n%s", n, logs)
	}
	for _, want := range []string{"type=int64", "strconv.ParseInt: invalid syntax", "type=runtime_test.userID", "refused"} {
		if !strings.Contains(logs, want) {
			t.Errorf("log lacks %q:\n%s", want, logs)
		}
	}
	if strings.Contains(logs, bad) {
		t.Errorf("log holds the id:\n%s", logs)
	}

	e.get("/signin?n=7")
	if _, body := e.get("/named"); body != "7 true;" {
		t.Errorf("signed in as userID{7}: BoundUserAs = %s", body)
	}
	if _, body := e.get("/int64"); body != "0 false;0 false;" {
		t.Errorf("signed in as u7: BoundUserAs as int64 = %s, want not bound", body)
	}

	// An id without a text form signs nobody in and fails the save.
	if resp, _ := e.get("/signin?n=0"); resp.StatusCode < 500 {
		t.Errorf("SignInText with an id whose MarshalText fails: status %d, want the error handler's", resp.StatusCode)
	}
	if !strings.Contains(e.logs.String(), "runtime: sign in: runtime: user id of type runtime_test.userID: no id") {
		t.Errorf("the failed sign-in is not logged with its cause:\n%s", e.logs)
	}
	if _, body := e.get("/named"); body != "7 true;" {
		t.Errorf("after a failed sign-in: BoundUserAs = %s, want the earlier user", body)
	}
}

// TestUserText checks the text form and the wrapped error.
func TestUserText(t *testing.T) {
	if got, err := runtime.UserText(userID{5}); got != "u5" || err != nil {
		t.Errorf("UserText(userID{5}) = %q, %v", got, err)
	}
	_, err := runtime.UserText(userID{})
	if err == nil || !strings.Contains(err.Error(), "no id") || !strings.Contains(err.Error(), "runtime_test.userID") {
		t.Errorf("UserText(userID{}) error = %v", err)
	}
}
