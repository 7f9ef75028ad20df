package cachestore_test

import (
	"net"
	"testing"

	"github.com/sessiongen/sessiongen/runtime"
	"github.com/sessiongen/sessiongen/runtime/cachestore"
	"github.com/sessiongen/sessiongen/runtime/memstore"
	"github.com/sessiongen/sessiongen/runtime/storetest"
)

// TestConformance runs the store contract over the cache in front of
// pgstore, in front of memstore, and in front of pgstore with no Redis at
// all: a cache that is down must keep the contract too.
func TestConformance(t *testing.T) {
	t.Parallel()
	// Each variant shares one store among the checks, as storetest
	// allows: a schema and a migration per check would dominate the run.
	tests := []struct {
		name     string
		newStore func(t *testing.T) runtime.Store
	}{
		{"pgstore", func(t *testing.T) runtime.Store { return newEnv(t).store() }},
		{"memstore", func(t *testing.T) runtime.Store {
			rdb := sharedRedis(t)
			return cachestore.New(memstore.New(), rdb, cachestore.WithPrefix(newPrefix(t, rdb)))
		}},
		{"pgstore-redis-down", func(t *testing.T) runtime.Store {
			return newEnvOn(t, redisClient(t, closedAddr(t))).store()
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			s := tt.newStore(t)
			storetest.Run(t, func(*testing.T) runtime.Store { return s })
		})
	}
}

// closedAddr returns an address of 127.0.0.1 that nothing listens on.
func closedAddr(t *testing.T) string {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := l.Addr().String()
	l.Close()
	return addr
}
