package redisstore_test

import (
	"context"
	"os"
	"os/exec"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/sessiongen/sessiongen/internal/rediscluster"
)

// clusterEnv names the Redis Cluster the tests run on (see clusterClient).
const clusterEnv = "SESSIONGEN_REDIS_CLUSTER"

// TestSuiteOnRedisCluster starts a Redis Cluster of three masters and
// three replicas (package rediscluster) and runs this package's tests
// again, in a test binary of their own, with $SESSIONGEN_REDIS_CLUSTER
// naming its nodes: the conformance suite, and every test of application
// instances, then run through redis.NewClusterClient. It checks that they
// pass and that they did use the cluster. It runs with
// SESSIONGEN_DISTRIBUTED=1 (.ci/distributed).
func TestSuiteOnRedisCluster(t *testing.T) {
	if os.Getenv(clusterEnv) != "" {
		t.Skip("runs the suite on a cluster of its own; this run is on one already")
	}
	rc := rediscluster.Start(t, rediscluster.Config{})
	before := commandsOnMasters(t, rc)
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
	defer cancel()
	args := []string{"-test.count=1", "-test.v", "-test.skip", "^TestSuiteOnRedisCluster$"}
	if testing.Short() {
		args = append(args, "-test.short")
	}
	cmd := exec.CommandContext(ctx, os.Args[0], args...)
	cmd.Env = append(os.Environ(), clusterEnv+"="+strings.Join(rc.Addrs(), ","))
	start := time.Now()
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("the suite on the cluster failed: %v\n%s", err, out)
	}
	passed := strings.Count(string(out), "--- PASS:")
	skipped := strings.Count(string(out), "--- SKIP:")
	used := commandsOnMasters(t, rc) - before
	t.Logf("the suite on the cluster (%s): %d tests and subtests passed, %d skipped, in %v; %d commands on the masters",
		strings.Join(rc.Addrs(), ","), passed, skipped, time.Since(start).Round(time.Millisecond), used)
	if used < 1000 {
		t.Errorf("the suite sent %d commands to the cluster's masters: it did not run on the cluster\n%s", used, out)
	}
}

// commandsOnMasters returns the commands the cluster's masters have
// processed.
func commandsOnMasters(t *testing.T, rc *rediscluster.Cluster) int64 {
	t.Helper()
	var total int64
	for _, m := range rc.Masters(t) {
		for line := range strings.Lines(rc.CLI(t, m.Addr, "info", "stats")) {
			if v, ok := strings.CutPrefix(strings.TrimSpace(line), "total_commands_processed:"); ok {
				n, err := strconv.ParseInt(v, 10, 64)
				if err != nil {
					t.Fatal(err)
				}
				total += n
			}
		}
	}
	return total
}
