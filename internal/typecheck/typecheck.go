// Package typecheck checks the named key types of a schema against the Go
// packages that declare them, so that a type that does not exist, or that
// a session cannot hold, is reported at its place in sessions.yaml when
// generating rather than by go build in the generated file.
//
// It loads every package the schema names, in one call of
// golang.org/x/tools/go/packages from the schema's folder, so that the
// application's go.mod, with its replace directives, decides what an
// import path means. A schema whose types are all in the table of
// internal/gotype (the predeclared types, time.Time and time.Duration)
// loads nothing.
package typecheck

import (
	"fmt"
	"go/types"
	"os"
	"path"
	"path/filepath"
	"slices"
	"strings"

	"golang.org/x/mod/modfile"
	"golang.org/x/tools/go/packages"

	"github.com/sessiongen/sessiongen/internal/spec"
)

// load is packages.Load; the tests count its calls through it.
var load = packages.Load

// Check checks the named types of s's keys, loading their packages from
// dir, the schema's folder. local is the import path of the generated
// package, or "" when it is not known. It returns nil, a spec.ErrorList
// of the problems at each type's position, or an error when the packages
// cannot be loaded at all.
func Check(s *spec.Schema, dir, local string) error {
	uses := namedUses(s)
	if len(uses) == 0 {
		return nil
	}
	var paths []string
	for _, u := range uses {
		if !slices.Contains(paths, u.t.Path) {
			paths = append(paths, u.t.Path)
		}
	}
	cfg := &packages.Config{
		Mode: packages.NeedName | packages.NeedTypes | packages.NeedSyntax,
		Dir:  dir,
		// The application's tests are no part of the types it stores.
		Tests: false,
	}
	pkgs, err := load(cfg, paths...)
	if err != nil {
		return fmt.Errorf("sessiongen: loading the packages of the schema's types: %v", err)
	}
	byPath := map[string]*packages.Package{}
	for _, p := range pkgs {
		byPath[p.PkgPath] = p
	}
	c := &checker{dir: dir, local: local}
	var errs spec.ErrorList
	for _, u := range uses {
		if msg := c.check(u.t, byPath[u.t.Path]); msg != "" {
			errs = append(errs, &spec.Error{Pos: u.key.PosOf("type"),
				Msg: fmt.Sprintf("key %q: %s", u.key.Name, msg)})
		}
	}
	if len(errs) == 0 {
		return nil
	}
	return errs
}

// A use is a named type of a key, outside the table of gotype.
type use struct {
	key *spec.Key
	t   *spec.Type
}

// namedUses returns the named types of s's keys, elements of slices and
// maps included, that the table of gotype does not know, in key order.
func namedUses(s *spec.Schema) []use {
	var uses []use
	for _, k := range s.Keys {
		for t := k.Type; t != nil; t = t.Elem {
			if _, known := t.Info(); t.Kind == spec.Named && !known {
				uses = append(uses, use{k, t})
			}
		}
	}
	return uses
}

// A checker checks the named types of one schema.
type checker struct {
	dir   string
	local string

	modPkgs []*packages.Package // the packages of dir's module, once listed
	listed  bool
}

// check returns what is wrong with the named type t, whose package p
// loaded (nil when the load did not return it), or "".
func (c *checker) check(t *spec.Type, p *packages.Package) string {
	if p == nil || p.Types == nil || !found(p) {
		return c.missingPackage(t, p)
	}
	if msg := c.internal(t); msg != "" {
		return msg
	}
	obj := p.Types.Scope().Lookup(t.Name)
	if obj == nil {
		var names []string
		for _, n := range p.Types.Scope().Names() {
			if o := p.Types.Scope().Lookup(n); o.Exported() {
				if _, ok := o.(*types.TypeName); ok {
					names = append(names, n)
				}
			}
		}
		msg := fmt.Sprintf("package %s has no type %s", t.Path, t.Name)
		if s := spec.Suggest(t.Name, names); s != "" {
			return msg + fmt.Sprintf("; did you mean %s.%s?", t.Path, s)
		}
		return msg + "; name a type the package declares"
	}
	tn, ok := obj.(*types.TypeName)
	if !ok {
		return fmt.Sprintf("%s is a %s, not a type; name a type the package declares", t, kindOf(obj))
	}
	if n, ok := types.Unalias(tn.Type()).(*types.Named); ok && n.TypeParams().Len() > 0 && !tn.IsAlias() {
		return fmt.Sprintf("type %s is generic, and a schema cannot instantiate it; declare an alias of an instance, such as type Int%s = %s[int], and name that",
			t, t.Name, t.Name)
	}
	if what, fix := badJSON(tn.Type()); what != "" {
		return fmt.Sprintf("type %s %s; %s", t, what, fix)
	}
	if lock := lockIn(tn.Type(), "", map[types.Type]bool{}); lock != "" {
		return fmt.Sprintf("type %s holds a %s, which every generated getter would copy (go vet's copylocks reports it); store a type without the lock", t, lock)
	}
	return ""
}

// found reports whether the go command found the package p: it has Go
// files. Errors in them, or in the packages they import, are go build's
// to report; the types the package declares are still known. The
// generated package itself may hold a stale generated file, for one.
func found(p *packages.Package) bool {
	return len(p.GoFiles)+len(p.CompiledGoFiles) > 0 || len(p.Syntax) > 0
}

// missingPackage returns the message for a type whose package p was not
// found (p nil when the load did not return it), with the package of the
// application's module meant when the path looks like a slip for it:
// model.Prefs for example.com/app/model.Prefs.
func (c *checker) missingPackage(t *spec.Type, p *packages.Package) string {
	first, _, _ := strings.Cut(t.Path, "/")
	if !strings.Contains(first, ".") {
		// A path without a dot in its first element is the standard
		// library's: that of a package of the module, without the
		// module's path, is the likely slip.
		var fixes []string
		for _, m := range c.modulePackages() {
			if m.PkgPath == t.Path || strings.HasSuffix(m.PkgPath, "/"+t.Path) {
				fixes = append(fixes, m.PkgPath+"."+t.Name)
			}
		}
		msg := fmt.Sprintf("type %s names no package: %s is not a standard package, and a named type is written with the full import path of its package", t, t.Path)
		switch len(fixes) {
		case 0:
			return msg + ", such as example.com/shop/model.Prefs"
		case 1:
			return msg + fmt.Sprintf("; did you mean %s?", fixes[0])
		}
		return msg + fmt.Sprintf("; did you mean one of %s?", strings.Join(fixes, ", "))
	}
	msg := fmt.Sprintf("type %s: package %s is not found from %s", t, t.Path, c.moduleName())
	if p != nil {
		for _, e := range p.Errors {
			if e.Kind == packages.ListError && !strings.Contains(e.Msg, "no required module provides") && !strings.Contains(e.Msg, "cannot find") {
				detail, _, _ := strings.Cut(e.Msg, "\n")
				msg += " (" + detail + ")"
				break
			}
		}
	}
	return msg + "; fix the import path, or add the module that provides it (go get " + t.Path + ")"
}

// moduleName names the module of the schema's folder for messages.
func (c *checker) moduleName() string {
	if mod, _ := module(c.dir); mod != "" {
		return "module " + mod
	}
	return "the schema's folder"
}

// modulePackages returns the packages of the module of the schema's
// folder, listed once, when a type's path looks like one without the
// module's path.
func (c *checker) modulePackages() []*packages.Package {
	if c.listed {
		return c.modPkgs
	}
	c.listed = true
	mod, _ := module(c.dir)
	if mod == "" {
		return nil
	}
	pkgs, err := load(&packages.Config{Mode: packages.NeedName, Dir: c.dir}, mod+"/...")
	if err == nil {
		c.modPkgs = pkgs
	}
	return c.modPkgs
}

// internal returns the message for a type in an internal package that the
// generated package may not import, or "".
func (c *checker) internal(t *spec.Type) string {
	if c.local == "" {
		return ""
	}
	parent, ok := internalParent(t.Path)
	if !ok || parent == "" || c.local == parent || strings.HasPrefix(c.local, parent+"/") {
		return ""
	}
	return fmt.Sprintf("type %s is in an internal package, which the generated package %s may not import; move the type, or the generated package under %s", t, c.local, parent)
}

// internalParent returns the path that may import the package at p, when
// p has an internal element.
func internalParent(p string) (string, bool) {
	elems := strings.Split(p, "/")
	for i := len(elems) - 1; i >= 0; i-- {
		if elems[i] == "internal" {
			return strings.Join(elems[:i], "/"), true
		}
	}
	return "", false
}

// kindOf names the kind of a package-level object that is not a type.
func kindOf(obj types.Object) string {
	switch obj.(type) {
	case *types.Func:
		return "func"
	case *types.Const:
		return "constant"
	case *types.Var:
		return "variable"
	}
	return "declaration"
}

// PackagePath returns the import path of the package in folder dir, from
// the go.mod of its module, or "" when dir is in no module.
func PackagePath(dir string) string {
	mod, root := module(dir)
	if mod == "" {
		return ""
	}
	abs, err := filepath.Abs(dir)
	if err != nil {
		return ""
	}
	rel, err := filepath.Rel(root, abs)
	if err != nil || rel == "." {
		return mod
	}
	return path.Join(mod, filepath.ToSlash(rel))
}

// module returns the path and folder of the module that holds dir, by the
// nearest go.mod at or above it, or "" and "".
func module(dir string) (mod, root string) {
	d, err := filepath.Abs(dir)
	if err != nil {
		return "", ""
	}
	for {
		if data, err := os.ReadFile(filepath.Join(d, "go.mod")); err == nil {
			return modfile.ModulePath(data), d
		}
		up := filepath.Dir(d)
		if up == d {
			return "", ""
		}
		d = up
	}
}
