package redisstore_test

import (
	"net/http"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/sessiongen/sessiongen/internal/coherence"
	"github.com/sessiongen/sessiongen/runtime/redisstore"
)

// This file runs application instances side by side, as a deployment
// does: each with a Redis client, a Store, a manager and an HTTP server of
// its own (coherence.Handler), all over one Redis under one prefix. Clients
// go through the servers, and check what they read against what the
// servers acknowledged.

// cluster is application instances over one Redis.
type cluster struct {
	*coherence.Deployment
	store *redisstore.Store // over a client of its own: reads behind the instances' backs
}

// newCluster starts n instances, closed when t ends, over the tests'
// Redis or, when $SESSIONGEN_REDIS_CLUSTER names one, over a Redis Cluster.
func newCluster(t *testing.T, n int) *cluster {
	t.Helper()
	client := func() redis.UniversalClient {
		if rdb := clusterClient(t); rdb != nil {
			return rdb
		}
		return newClient(t)
	}
	prefix := newPrefix(t, client())
	c := &cluster{
		Deployment: &coherence.Deployment{HTTP: &http.Client{
			Timeout:   10 * time.Second,
			Transport: &http.Transport{MaxIdleConnsPerHost: 64},
		}},
		store: redisstore.New(client(), redisstore.WithPrefix(prefix)),
	}
	c.Deployment.Stored = func(t testing.TB, token string) (coherence.View, bool) {
		s, ok := c.stored(t, token)
		return s.View, ok
	}
	t.Cleanup(c.HTTP.CloseIdleConnections)
	for range n {
		c.URLs = append(c.URLs, coherence.Serve(t, redisstore.New(client(), redisstore.WithPrefix(prefix))))
	}
	return c
}

// storedSession is a session as Redis holds it.
type storedSession struct {
	coherence.View
	Keys map[string]int // every key /set wrote
}

// stored returns the session under token as Redis holds it, behind every
// instance, and whether there is one, live or expired.
func (c *cluster) stored(t testing.TB, token string) (storedSession, bool) {
	t.Helper()
	v, keys, ok := coherence.Lookup(t, token, c.store.FindSession)
	return storedSession{View: v, Keys: keys}, ok
}
