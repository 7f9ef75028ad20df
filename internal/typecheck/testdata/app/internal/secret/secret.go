// Package secret is internal to example.com/app.
package secret

// Key is a type of an internal package.
type Key struct{ ID string }
