// Package model holds a named type that the compile test's schema uses by
// import path.
package model

// Prefs are a user's preferences.
type Prefs struct {
	Theme string         `json:"theme"`
	Langs []string       `json:"langs"`
	Extra map[string]int `json:"extra"`
}
