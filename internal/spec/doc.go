// Package spec reads a sessions.yaml schema and validates it into a typed
// model for the generator.
//
// Read reports every problem it finds in one run, each as an Error that
// names the file, line and column, collected in an ErrorList sorted by
// position. A schema that Read accepts generates code that compiles, as
// long as the named types it mentions exist.
package spec
