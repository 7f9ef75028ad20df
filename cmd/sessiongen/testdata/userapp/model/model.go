// Package model holds a user id type with a text form, which the account
// package's schema names as its user type.
package model

import (
	"errors"
	"strconv"
	"strings"
)

// UserID is a user id written as "u-" and a positive number.
type UserID struct{ N int64 }

// MarshalText returns "u-N", or an error for the zero UserID, which names
// nobody.
func (u UserID) MarshalText() ([]byte, error) {
	if u.N <= 0 {
		return nil, errors.New("model: no user id")
	}
	return []byte("u-" + strconv.FormatInt(u.N, 10)), nil
}

// UnmarshalText reads "u-N".
func (u *UserID) UnmarshalText(b []byte) error {
	s, ok := strings.CutPrefix(string(b), "u-")
	if !ok {
		return errors.New("model: user id without u- prefix")
	}
	n, err := strconv.ParseInt(s, 10, 64)
	if err != nil || n <= 0 {
		return errors.New("model: malformed user id")
	}
	u.N = n
	return nil
}
