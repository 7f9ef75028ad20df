// Package db is the Go side of the SQL in schema/ and queries/, generated
// by sqlc from sqlc.yaml at the module root. Every file here but this one
// is generated: edit the SQL and run
//
//	go tool -modfile=tools/go.mod sqlc generate
package db
