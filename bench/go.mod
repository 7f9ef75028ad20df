module github.com/sessiongen/sessiongen/bench

go 1.25.0

replace github.com/sessiongen/sessiongen => ../

require (
	github.com/dave/jennifer v1.7.1 // indirect
	github.com/kr/pretty v0.3.0 // indirect
	github.com/sessiongen/sessiongen v0.0.0 // indirect
	gopkg.in/check.v1 v1.0.0-20201130134442-10cb98267c6c // indirect
	gopkg.in/yaml.v3 v3.0.1 // indirect
)

tool github.com/sessiongen/sessiongen/cmd/sessiongen
