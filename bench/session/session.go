// Package session holds the benchmark's typed session accessors, generated
// by sessiongen from sessions.yaml.
package session

//go:generate go run github.com/sessiongen/sessiongen/cmd/sessiongen
