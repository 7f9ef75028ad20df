// Package gen turns a validated session schema into the Go source of its
// typed accessors, written with github.com/dave/jennifer.
//
// The output is deterministic: the same schema always yields the same
// bytes, gofmt-clean, starting with the standard "Code generated ... DO NOT
// EDIT." line.
package gen
