package main

import (
	"bytes"
	"errors"
	"flag"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"

	"github.com/sessiongen/sessiongen/internal/gen"
	"github.com/sessiongen/sessiongen/internal/spec"
	"github.com/sessiongen/sessiongen/internal/typecheck"
)

// generatedFlags registers the flags of generate, check and version.
func generatedFlags(fs *flag.FlagSet, o *options) {
	o.schemaFlag(fs, "the schema `file`")
	fs.StringVar(&o.output, "o", "", "the generated `file` (default sessions_gen.go beside the schema)")
	fs.BoolVar(&o.version, "version", false, "print the version and exit")
}

// runGenerate runs sessiongen generate.
func runGenerate(cx *invocation) int { return cx.generated(generate) }

// runCheck runs sessiongen check. Without -f, it finds the schema as
// findSchema says, and checks the generated file beside it.
func runCheck(cx *invocation) int {
	if !cx.opts.version {
		schema, err := cx.findSchema()
		if err != nil {
			return cx.fail(err)
		}
		cx.opts.schema = schema
	}
	return cx.generated(check)
}

// generated runs f, generate or check, on the schema and the generated
// file that the flags name, or with -version prints the version.
func (cx *invocation) generated(f func(schema, out string) error) int {
	if cx.opts.version {
		return runVersion(cx)
	}
	out := cx.opts.output
	if out == "" {
		out = defaultOutput(cx.opts.schema)
	}
	if err := f(cx.opts.schema, out); err != nil {
		return cx.fail(err)
	}
	return exitOK
}

// defaultOutput returns the output file beside the schema.
func defaultOutput(schema string) string {
	return filepath.Join(filepath.Dir(schema), "sessions_gen.go")
}

// build reads the schema and returns the code to write to out.
func build(schema, out string) ([]byte, error) {
	s, problems, err := readSchemaAll(schema)
	if err != nil {
		return nil, err
	}
	if s == nil {
		return nil, problems
	}
	pkgPath, err := checkTypes(s, schema, out)
	var typeProblems spec.ErrorList
	if err != nil && !errors.As(err, &typeProblems) && len(problems) == 0 {
		return nil, err
	}
	if all := problems.Join(typeProblems); len(all) > 0 {
		return nil, all
	}
	if s.Package == "" {
		if s.Package, err = defaultPackage(filepath.Dir(out), filepath.Base(out)); err != nil {
			return nil, fmt.Errorf("sessiongen: %w", err)
		}
	}
	opts := genOptions(schema, out)
	opts.PkgPath = pkgPath
	code, err := gen.GenerateWith(s, opts)
	if err != nil {
		return nil, fmt.Errorf("sessiongen: %w", err)
	}
	return code, nil
}

// genOptions returns the options of the file generated from schema to
// out: this sessiongen's version, and the schema's path from out's folder.
func genOptions(schema, out string) gen.Options {
	source := filepath.Base(schema)
	if abs, err := filepath.Abs(schema); err == nil {
		if dir, err := filepath.Abs(filepath.Dir(out)); err == nil {
			if rel, err := filepath.Rel(dir, abs); err == nil {
				source = filepath.ToSlash(rel)
			}
		}
	}
	return gen.Options{Version: headerVersion(), Source: source}
}

// generate writes the code for schema to out, unless out already holds it.
func generate(schema, out string) error {
	code, err := build(schema, out)
	if err != nil {
		return err
	}
	if old, err := os.ReadFile(out); err == nil && bytes.Equal(old, code) {
		return nil
	}
	if err := writeFile(out, code); err != nil {
		return fmt.Errorf("sessiongen: %w", err)
	}
	return nil
}

// check reports an error, with the difference, when out does not hold the
// code for schema.
func check(schema, out string) error {
	code, err := build(schema, out)
	if err != nil {
		return err
	}
	old, err := os.ReadFile(out)
	if errors.Is(err, fs.ErrNotExist) {
		return fmt.Errorf("sessiongen: %s does not exist; run sessiongen to generate it", out)
	}
	if err != nil {
		return fmt.Errorf("sessiongen: %w", err)
	}
	if bytes.Equal(old, code) {
		return nil
	}
	return fmt.Errorf("sessiongen: %s is stale or was edited by hand; run sessiongen to regenerate it\n%s",
		out, diff(out, "generated from "+schema, old, code))
}

// checkTypes checks the named key types of s, the schema in file schema,
// against the packages that declare them, loaded from the schema's folder
// so that the app's go.mod applies, and returns the import path of the
// generated package, in out's folder ("" outside a module). Its errors
// are positioned in the schema, like readSchema's.
func checkTypes(s *spec.Schema, schema, out string) (string, error) {
	pkgPath := typecheck.PackagePath(filepath.Dir(out))
	return pkgPath, typecheck.Check(s, filepath.Dir(schema), pkgPath)
}
