// Package model holds the types that the schemas of typecheck's tests
// name: good ones, and ones a session cannot hold.
package model

import (
	"encoding/json"
	"sync"
	"sync/atomic"
	"time"
	"unsafe"
)

// Prefs are a user's preferences: plain data.
type Prefs struct {
	Theme string         `json:"theme"`
	Langs []string       `json:"langs"`
	Extra map[string]any `json:"extra"`
	Since time.Time      `json:"since"`
	Next  *Prefs         `json:"next"` // a cycle, through a pointer
}

// Hidden has only unexported fields: JSON stores it as {}.
type Hidden struct {
	theme string
	langs []string
}

// Guarded holds a lock by value.
type Guarded struct {
	mu    sync.Mutex
	Count int
}

// Nested holds a lock deeper down, in an array of structs.
type Nested struct {
	Items [2]struct {
		Name string
		mu   sync.RWMutex
	}
}

// Stats holds sync/atomic's types, which hold a lock that go vet sees.
type Stats struct {
	Name string
	hits atomic.Int64
}

// Handler is a func type.
type Handler func(string) error

// Shape is an interface.
type Shape interface{ Area() float64 }

// Events is a chan.
type Events chan string

// Point is a complex number.
type Point complex128

// Raw is an unsafe.Pointer.
type Raw unsafe.Pointer

// Box holds a chan in a field.
type Box struct {
	Name  string
	Inner struct{ C chan int }
}

// Secret has unexported fields but its own JSON form: fine.
type Secret struct {
	value string
}

// MarshalJSON implements json.Marshaler.
func (s Secret) MarshalJSON() ([]byte, error) { return json.Marshal(s.value) }

// UnmarshalJSON implements json.Unmarshaler.
func (s *Secret) UnmarshalJSON(b []byte) error { return json.Unmarshal(b, &s.value) }

// Level has a text form: fine, even as a map key.
type Level struct{ n int }

// MarshalText implements encoding.TextMarshaler.
func (l Level) MarshalText() ([]byte, error) { return []byte{byte('0' + l.n)}, nil }

// UnmarshalText implements encoding.TextUnmarshaler.
func (l *Level) UnmarshalText(b []byte) error { l.n = int(b[0] - '0'); return nil }

// ByLevel has keys with a text form: fine.
type ByLevel map[Level]string

// ByFlag has bool keys, which JSON objects cannot have.
type ByFlag map[bool]string

// Pair is generic.
type Pair[T any] struct{ A, B T }

// IntPair is an instance of Pair: fine.
type IntPair = Pair[int]

// Default is a variable, not a type.
var Default Prefs
