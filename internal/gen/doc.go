// Package gen turns a validated session schema into the Go source of its
// typed accessors, written with github.com/dave/jennifer.
//
// The output is deterministic: the same schema and Options always yield
// the same bytes, gofmt-clean, with the imports in goimports' groups,
// starting with the standard "Code generated ... DO NOT EDIT." line, which
// names the sessiongen version, and a "source:" line naming the schema.
// It refers to runtime.SupportsGeneratedCodeVersion1, so that it does not
// compile against a runtime that does not support it.
package gen
