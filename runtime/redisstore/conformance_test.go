package redisstore_test

import (
	"os"
	"strings"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/sessiongen/sessiongen/runtime"
	"github.com/sessiongen/sessiongen/runtime/redisstore"
	"github.com/sessiongen/sessiongen/runtime/storetest"
)

// TestConformance runs the store contract over one Redis: with one store
// for every check, and with a client and a store of its own for each
// check, all under one prefix, as application instances share a Redis.
func TestConformance(t *testing.T) {
	t.Parallel()
	t.Run("shared", func(t *testing.T) {
		t.Parallel()
		conformance(t, newClient(t))
	})
	t.Run("client per check", func(t *testing.T) {
		t.Parallel()
		prefix := newPrefix(t, newClient(t))
		storetest.Run(t, func(t *testing.T) runtime.Store {
			return redisstore.New(newClient(t), redisstore.WithPrefix(prefix))
		})
	})
}

// TestConformanceCluster runs the store contract through a Redis Cluster
// client when $SESSIONGEN_REDIS_CLUSTER names the cluster's nodes, as
// comma-separated addresses. The instances of the coherence and race tests
// then run over the cluster too (see newCluster).
func TestConformanceCluster(t *testing.T) {
	t.Parallel()
	rdb := clusterClient(t)
	if rdb == nil {
		t.Skip("no Redis Cluster: set SESSIONGEN_REDIS_CLUSTER to its nodes' addresses (host:port,host:port,...) to run the suite on one")
	}
	conformance(t, rdb)
}

// conformance runs storetest's suite on one store over rdb, under a prefix
// of its own.
func conformance(t *testing.T, rdb redis.UniversalClient) {
	t.Helper()
	s := newStore(t, rdb)
	storetest.Run(t, func(*testing.T) runtime.Store { return s })
}

// clusterClient returns a client of the Redis Cluster that
// $SESSIONGEN_REDIS_CLUSTER names, closed when t ends, or nil when it is
// not set.
func clusterClient(t testing.TB) *redis.ClusterClient {
	t.Helper()
	addrs := os.Getenv("SESSIONGEN_REDIS_CLUSTER")
	if addrs == "" {
		return nil
	}
	rdb := redis.NewClusterClient(&redis.ClusterOptions{
		Addrs: strings.Split(addrs, ","), ContextTimeoutEnabled: true, DialTimeout: time.Second,
	})
	t.Cleanup(func() { rdb.Close() })
	return rdb
}
