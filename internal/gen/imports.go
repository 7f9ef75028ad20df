package gen

import (
	"regexp"
	"strings"

	"github.com/dave/jennifer/jen"
	"github.com/sessiongen/sessiongen/internal/spec"
)

// localNames are the identifiers that generated function bodies declare or
// use besides imported packages.
var localNames = map[string]bool{recv: true, param: true, okVar: true, "s": true, fnParam: true}

// reserveImportNames gives an explicit name to each imported package of a
// named key type whose default name would be hidden by a local name of the
// generated functions.
func reserveImportNames(f *jen.File, s *spec.Schema) {
	seen := map[string]bool{}
	for _, k := range s.Keys {
		for t := k.Type; t != nil; t = t.Elem {
			if t.Kind != spec.Named || seen[t.Path] {
				continue
			}
			seen[t.Path] = true
			if name := guessName(t.Path); localNames[name] {
				f.ImportAlias(t.Path, name+"pkg")
			}
		}
	}
}

// nonAlnum matches what jennifer drops from a path element to name its
// package.
var nonAlnum = regexp.MustCompile(`[^a-z0-9]`)

// guessName returns the name jennifer gives the package at path: its last
// element, lower-cased, without other characters than letters and digits,
// nor leading digits.
func guessName(path string) string {
	name := path[strings.LastIndexByte(path, '/')+1:]
	name = nonAlnum.ReplaceAllString(strings.ToLower(name), "")
	name = strings.TrimLeft(name, "0123456789")
	if name == "" {
		return "pkg"
	}
	return name
}
