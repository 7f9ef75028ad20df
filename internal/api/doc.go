// Package api describes the Go API that sessiongen generates: the names of
// the generated top-level identifiers, the lifecycle methods that the
// generated type gets by embedding the runtime session, and the methods
// each session key gets.
//
// It is the one place that knows these names. The schema reader uses it to
// reject keys whose methods would clash; the generator uses it to emit them.
package api
