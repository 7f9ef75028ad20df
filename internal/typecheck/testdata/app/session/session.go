// Package session is where the schemas' accessors would be generated; it
// declares a type of its own.
package session

// Cart is a type of the generated package itself.
type Cart struct {
	Items []string
}
