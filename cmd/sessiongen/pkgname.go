package main

import (
	"go/parser"
	"go/token"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"unicode"
)

// defaultPackage returns the package of a generated file in dir that has
// no package in its schema: the package of the folder's other Go files
// (not tests, not out itself), or else the folder's name made a valid
// package name.
func defaultPackage(dir, out string) (string, error) {
	entries, err := os.ReadDir(dir)
	if err != nil && !os.IsNotExist(err) {
		return "", err
	}
	names := make([]string, 0, len(entries))
	for _, e := range entries {
		n := e.Name()
		if !e.IsDir() && strings.HasSuffix(n, ".go") && !strings.HasSuffix(n, "_test.go") && n != out {
			names = append(names, n)
		}
	}
	slices.Sort(names)
	for _, n := range names {
		f, err := parser.ParseFile(token.NewFileSet(), filepath.Join(dir, n), nil, parser.PackageClauseOnly)
		if err == nil && f.Name.Name != "documentation" {
			return f.Name.Name, nil
		}
	}
	abs, err := filepath.Abs(dir)
	if err != nil {
		return "", err
	}
	return packageName(filepath.Base(abs)), nil
}

// packageName makes a folder's name a package name: lower case, only
// letters, digits and underscores, not starting with a digit, not a
// keyword. "session-store" → "sessionstore".
func packageName(folder string) string {
	name := strings.Map(func(r rune) rune {
		switch {
		case r < unicode.MaxASCII && (unicode.IsLetter(r) || unicode.IsDigit(r)) || r == '_':
			return unicode.ToLower(r)
		}
		return -1
	}, folder)
	name = strings.TrimLeft(name, "0123456789_")
	switch {
	case name == "":
		return "session"
	case token.IsKeyword(name):
		return name + "pkg"
	}
	return name
}
