// Package rediscluster starts a Redis Cluster on the loopback interface
// for one test: redis-server processes in cluster mode, each in a
// directory of the test's own and on free ports, joined with
// `redis-cli --cluster create`, and killed when the test ends.
//
//	c := rediscluster.Start(t, rediscluster.Config{}) // 3 masters, 1 replica each
//	rdb := redis.NewClusterClient(&redis.ClusterOptions{Addrs: c.Addrs()})
//
// It drives the servers with redis-server and redis-cli only, so it needs
// no Redis client library, and the modules that use one (runtime/cachestore,
// runtime/redisstore) bring their own.
//
// Starting a cluster is part of sessiongen's distributed runs, which the
// default `go test ./...` leaves out: Start skips the test, saying how to
// run it, unless $SESSIONGEN_DISTRIBUTED is 1. With it set, a missing
// redis-server or redis-cli skips the test outside CI, and fails it when
// CI=true. `.ci/distributed` runs them all.
package rediscluster
