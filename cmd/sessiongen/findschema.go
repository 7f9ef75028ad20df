package main

import (
	"errors"
	"flag"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"strings"
)

// defaultSchema is the schema file -f names when it is not given.
const defaultSchema = "sessions.yaml"

// maxFound is how many schema files findSchema lists when it finds several.
const maxFound = 5

// schemaGiven reports whether -f was given on the command line.
func (cx *invocation) schemaGiven() bool {
	given := false
	cx.fs.Visit(func(f *flag.Flag) { given = given || f.Name == "f" })
	return given
}

// findSchema returns the schema file of check and breaking. With -f, it is
// that file. Without it, it is sessions.yaml in the current folder, where
// go generate runs sessiongen generate; and when there is none there, the
// one sessions.yaml in the folders below, such as a module's root where CI
// runs. When there is none, or several, the error says which -f to pass.
func (cx *invocation) findSchema() (string, error) {
	if cx.schemaGiven() {
		return cx.opts.schema, nil
	}
	if _, err := os.Stat(defaultSchema); !errors.Is(err, fs.ErrNotExist) {
		return defaultSchema, nil // readSchema reports any other error
	}
	found, err := schemasBelow(".")
	if err != nil {
		return "", fmt.Errorf("sessiongen: no %s in the current folder, and looking below it: %w; pass -f with the schema file", defaultSchema, err)
	}
	switch len(found) {
	case 0:
		return "", fmt.Errorf("sessiongen: no %s in the current folder or below it; pass -f with the schema file", defaultSchema)
	case 1:
		return found[0], nil
	}
	list := found
	if len(list) > maxFound {
		list = append(list[:maxFound:maxFound], "...")
	}
	return "", fmt.Errorf("sessiongen: no %s in the current folder, and %d below it (%s); pass -f with one of them",
		defaultSchema, len(found), strings.Join(list, ", "))
}

// schemasBelow returns the sessions.yaml files in the folders below dir,
// sorted, leaving out the folders the go command ignores (testdata,
// vendor, and those starting with . or _) and other modules' folders.
func schemasBelow(dir string) ([]string, error) {
	var found []string
	err := filepath.WalkDir(dir, func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			if path != dir && errors.Is(err, fs.ErrPermission) {
				return nil
			}
			return err
		}
		if d.IsDir() {
			if path == dir {
				return nil
			}
			name := d.Name()
			if name == "testdata" || name == "vendor" || name == "node_modules" ||
				strings.HasPrefix(name, ".") || strings.HasPrefix(name, "_") {
				return filepath.SkipDir
			}
			if _, err := os.Stat(filepath.Join(path, "go.mod")); err == nil {
				return filepath.SkipDir // another module
			}
			return nil
		}
		if d.Name() == defaultSchema && filepath.Dir(path) != filepath.Clean(dir) {
			found = append(found, path)
		}
		return nil
	})
	slices.Sort(found)
	return found, err
}
