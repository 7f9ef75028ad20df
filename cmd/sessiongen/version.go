package main

import (
	"fmt"
	"runtime/debug"
	"strings"
)

// modulePath is the module sessiongen belongs to.
const modulePath = "github.com/sessiongen/sessiongen"

// runVersion runs sessiongen version.
func runVersion(cx *invocation) int {
	fmt.Fprintf(cx.stdout, "sessiongen %s\n", moduleVersion())
	return exitOK
}

// moduleVersion returns the version of sessiongen's module in this build:
// a release version when the command is built from a dependency (go run,
// go tool), "(devel)" when built inside the module itself.
func moduleVersion() string {
	info, ok := debug.ReadBuildInfo()
	if !ok {
		return "(unknown)"
	}
	if info.Main.Path == modulePath {
		return info.Main.Version
	}
	for _, dep := range info.Deps {
		if dep.Path == modulePath {
			if r := dep.Replace; r != nil && r.Version != "" {
				return r.Version + " (replacing " + dep.Version + ")"
			} else if r != nil {
				return "(devel) from " + r.Path
			}
			return dep.Version
		}
	}
	return "(devel)"
}

// headerVersion returns the version that the generated file's header
// names: moduleVersion's without what follows it, such as " (replacing
// v1.2.0)" or " from ../", so that the file does not name a folder.
func headerVersion() string {
	v, _, _ := strings.Cut(moduleVersion(), " ")
	return v
}
