module github.com/sessiongen/sessiongen/runtime/redisstore

go 1.25.0

// Until a release of the core module is tagged, the checkout's own.
replace github.com/sessiongen/sessiongen => ../..

require (
	github.com/redis/go-redis/v9 v9.22.0
	github.com/sessiongen/sessiongen v0.0.0
)

require (
	github.com/cespare/xxhash/v2 v2.3.0 // indirect
	go.uber.org/atomic v1.11.0 // indirect
	golang.org/x/sys v0.30.0 // indirect
)
