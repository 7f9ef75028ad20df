// Sessiongen generates typed HTTP session accessors from a sessions.yaml
// schema.
//
// An application declares each session key and its Go type in
// sessions.yaml; sessiongen writes a Go file with a Session type whose
// methods read and write those keys through the sessiongen runtime, so that
// a misspelt key or a value of the wrong type is a compile error.
//
// Usage:
//
//	sessiongen [generate] [-f sessions.yaml] [-o sessions_gen.go]
//	sessiongen check [-f sessions.yaml] [-o sessions_gen.go]
//	sessiongen version
//
// generate, the default command, reads the schema and writes the generated
// file. It writes nothing when the schema has errors, and leaves an
// unchanged file untouched. check generates the file in memory and compares
// it with the one on disk: it exits 1, showing the difference, when the
// file is missing, stale or edited by hand. Use it in CI.
//
// The flags are:
//
//	-f file
//		the schema; default sessions.yaml in the current folder.
//	-o file
//		the generated file; default sessions_gen.go beside the schema.
//	-version
//		print the version and exit.
//
// The generated file's package is the schema's package field; without one,
// the package of the other Go files in the output folder, or else the
// folder's name.
//
// Schema errors are reported one a line as file:line:col: message, all of
// them in one run (YAML syntax errors name only the line).
//
// Exit status: 0 on success, 1 on schema errors, a stale file or an I/O
// error, 2 on wrong usage.
//
// Typical use is a go:generate line beside sessions.yaml:
//
//	//go:generate go run github.com/sessiongen/sessiongen/cmd/sessiongen
//
// or, with a tool line in the application's go.mod (go get -tool
// github.com/sessiongen/sessiongen/cmd/sessiongen):
//
//	//go:generate go tool sessiongen
//
// The schema looks like this:
//
//	package: session
//	keys:
//	  user_id:
//	    type: int64
//	    doc: ID of the signed-in user.
//	  cart_items:
//	    type: "[]int64"
//	  theme:
//	    type: string
//	    default: light
//	  prefs:
//	    type: example.com/shop/model.Prefs
//	  notice:
//	    type: string
//	    flash: true
//	  api_token:
//	    type: string
//	    sensitive: true
//
// Each key gets X, LookupX, SetX and DeleteX methods (a flash key gets
// PopX, SetX and DeleteX), and the Session type also forwards the session's
// lifecycle methods: Flush, CycleKey, SetExpiry and the rest.
package main
