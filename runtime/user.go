package runtime

import (
	"encoding"
	"errors"
	"fmt"
	"log/slog"
	"strconv"
)

// The functions of this file are for the code that sessiongen generates
// when sessions.yaml declares the type of the user id (user: {type: T}):
// the runtime keeps the id as text, and the generated SignIn, BoundUser,
// UserSessions and DeleteUserSessions convert it to and from T.

// UserText returns the text form of the user id id, as the runtime and
// the stores keep it: what id.MarshalText returns. Its error wraps the
// error of MarshalText.
func UserText(id encoding.TextMarshaler) (string, error) {
	text, err := id.MarshalText()
	if err != nil {
		return "", fmt.Errorf("runtime: user id of type %T: %w", id, err)
	}
	return string(text), nil
}

// SignInText is s.SignIn with the text form of id (see UserText). When id
// has none, MarshalText failing, the session is not signed in and its save
// fails, as Set fails it for a value that cannot be encoded: Err reports
// the error and the manager's error handler answers the request.
func SignInText(s *Session, id encoding.TextMarshaler) {
	text, err := UserText(id)
	if err != nil {
		s.mu.Lock()
		defer s.mu.Unlock()
		s.load()
		if s.setErr == nil {
			s.setErr = fmt.Errorf("runtime: sign in: %w", err)
		}
		return
	}
	s.SignIn(text)
}

// BoundUserAs returns the user the session is bound to (see
// Session.BoundUser) as parse reads its stored text, and whether it is
// bound. A stored id that parse refuses, such as one written under an
// earlier type of the id, reads as not bound: BoundUserAs returns the zero
// T and false, and logs it once per session, without the id itself.
func BoundUserAs[T any](s *Session, parse func(text string) (T, error)) (T, bool) {
	var zero T
	text, ok := s.BoundUser()
	if !ok {
		return zero, false
	}
	id, err := parse(text)
	if err != nil {
		s.userParseFailed(fmt.Sprintf("%T", zero), err)
		return zero, false
	}
	return id, true
}

// userParseFailed logs, once per session, that the bound user id does not
// parse into typ. The id itself is never logged.
func (s *Session) userParseFailed(typ string, err error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.badUser {
		return
	}
	s.badUser = true
	s.mgr.logger.LogAttrs(s.ctx, slog.LevelWarn, "session user id does not parse into the user type; reading the session as not bound",
		slog.String("type", typ), slog.String("error", userProblem(err)))
}

// userProblem describes why a user id does not parse without quoting it:
// strconv's errors carry the text they could not parse, and so may a
// type's own UnmarshalText.
func userProblem(err error) string {
	var ne *strconv.NumError
	if errors.As(err, &ne) {
		return "strconv." + ne.Func + ": " + ne.Err.Error() // "strconv.ParseInt: invalid syntax"
	}
	return "the type's parser refused the id"
}
