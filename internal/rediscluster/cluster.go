package rediscluster

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"
)

// Switch is the environment variable that turns sessiongen's distributed
// runs on: they run when it is 1.
const Switch = "SESSIONGEN_DISTRIBUTED"

// SlotCount is the number of hash slots of every Redis Cluster.
const SlotCount = 16384

// Config shapes a cluster. Zero fields take the defaults.
type Config struct {
	Masters     int           // masters, 3 by default (the fewest Redis accepts)
	Replicas    int           // replicas of each master, 1 by default; -1 for none
	NodeTimeout time.Duration // cluster-node-timeout, 2 s by default (Redis's is 15 s)
}

func (c Config) withDefaults() Config {
	if c.Masters <= 0 {
		c.Masters = 3
	}
	switch {
	case c.Replicas == 0:
		c.Replicas = 1
	case c.Replicas < 0:
		c.Replicas = 0
	}
	if c.NodeTimeout <= 0 {
		c.NodeTimeout = 2 * time.Second
	}
	return c
}

// Bounds of the waits and commands; none is a measured figure.
const (
	startTimeout = 10 * time.Second // a server answers PING
	cliTimeout   = 2 * time.Minute  // one redis-cli command (a reshard moves keys)
	pollInterval = 20 * time.Millisecond
)

// Cluster is a Redis Cluster of one test's own.
type Cluster struct {
	t           testing.TB
	server, cli string
	cfg         Config

	mu    sync.Mutex
	nodes []*node
}

// node is one redis-server of a cluster.
type node struct {
	addr string // 127.0.0.1:port
	port int
	dir  string

	cmd    *exec.Cmd     // nil while stopped
	exited chan struct{} // closed when cmd has exited
}

// Start starts a cluster of cfg's shape for t, waits until every node
// reports cluster_state:ok and every replica is in sync with its master,
// and kills it when t ends. It skips t unless $SESSIONGEN_DISTRIBUTED is 1
// (see the package comment).
func Start(t testing.TB, cfg Config) *Cluster {
	t.Helper()
	server, cli := require(t)
	c := &Cluster{t: t, server: server, cli: cli, cfg: cfg.withDefaults()}
	t.Cleanup(c.stopAll)
	total := c.cfg.Masters * (1 + c.cfg.Replicas)
	var addrs []string
	for i := range total {
		port, err := freeClusterPort()
		if err != nil {
			t.Fatalf("rediscluster: %v", err)
		}
		dir := filepath.Join(t.TempDir(), "node"+strconv.Itoa(i))
		if err := os.Mkdir(dir, 0o755); err != nil {
			t.Fatal(err)
		}
		n := &node{addr: net.JoinHostPort("127.0.0.1", strconv.Itoa(port)), port: port, dir: dir}
		c.nodes = append(c.nodes, n)
		addrs = append(addrs, n.addr)
		c.startNode(n)
	}
	args := append([]string{"--cluster", "create"}, addrs...)
	args = append(args, "--cluster-replicas", strconv.Itoa(c.cfg.Replicas), "--cluster-yes")
	if out, err := c.run(args...); err != nil {
		t.Fatalf("rediscluster: redis-cli %s: %v\n%s", strings.Join(args, " "), err, out)
	}
	c.WaitOK(t, time.Minute)
	for _, n := range c.nodes {
		if c.role(n.addr) == "slave" {
			c.WaitInSync(t, n.addr, time.Minute)
		}
	}
	return c
}

// require returns the paths of redis-server and redis-cli, or skips or
// fails t as the package comment says.
func require(t testing.TB) (server, cli string) {
	t.Helper()
	if os.Getenv(Switch) != "1" {
		t.Skipf("starts a Redis Cluster of redis-server processes: set %s=1 to run it, or run .ci/distributed", Switch)
	}
	var missing []string
	paths := map[string]string{}
	for _, tool := range []string{"redis-server", "redis-cli"} {
		p, err := exec.LookPath(tool)
		if err != nil {
			missing = append(missing, tool)
		}
		paths[tool] = p
	}
	if len(missing) > 0 {
		msg := fmt.Sprintf("rediscluster: %s not found: install Redis (apt-get install redis-server, which ships both), as .ci/distributed does",
			strings.Join(missing, " and "))
		if os.Getenv("CI") == "true" {
			t.Fatal(msg + " (CI=true: failing rather than skipping)")
		}
		t.Skip(msg)
	}
	return paths["redis-server"], paths["redis-cli"]
}

// freeClusterPort returns a port of 127.0.0.1 that is free, and whose
// cluster bus port (the port plus 10000, as Redis derives it) is free too.
func freeClusterPort() (int, error) {
	for range 200 {
		l, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			return 0, err
		}
		port := l.Addr().(*net.TCPAddr).Port
		if port+10000 > 65535 {
			l.Close()
			continue
		}
		bus, err := net.Listen("tcp", net.JoinHostPort("127.0.0.1", strconv.Itoa(port+10000)))
		l.Close()
		if err != nil {
			continue
		}
		bus.Close()
		return port, nil
	}
	return 0, errors.New("no free pair of ports (a port and the port + 10000) on 127.0.0.1 in 200 tries")
}

// Addrs returns the addresses of every node, running or not, as
// host:port.
func (c *Cluster) Addrs() []string {
	c.mu.Lock()
	defer c.mu.Unlock()
	var out []string
	for _, n := range c.nodes {
		out = append(out, n.addr)
	}
	return out
}

// NodeTimeout returns the cluster's cluster-node-timeout.
func (c *Cluster) NodeTimeout() time.Duration { return c.cfg.NodeTimeout }

func (c *Cluster) find(addr string) *node {
	c.mu.Lock()
	defer c.mu.Unlock()
	for _, n := range c.nodes {
		if n.addr == addr {
			return n
		}
	}
	c.t.Fatalf("rediscluster: no node %s", addr)
	return nil
}

// startNode runs n's redis-server, keeping nothing on disk but its
// cluster configuration (nodes.conf), and waits until it answers.
func (c *Cluster) startNode(n *node) {
	c.t.Helper()
	cmd := exec.Command(c.server,
		"--port", strconv.Itoa(n.port), "--bind", "127.0.0.1",
		"--cluster-enabled", "yes", "--cluster-config-file", "nodes.conf",
		"--cluster-node-timeout", strconv.FormatInt(c.cfg.NodeTimeout.Milliseconds(), 10),
		"--save", "", "--appendonly", "no",
		"--dir", n.dir, "--logfile", filepath.Join(n.dir, "redis.log"))
	if err := cmd.Start(); err != nil {
		c.t.Fatalf("rediscluster: start redis-server on %s: %v", n.addr, err)
	}
	exited := make(chan struct{})
	go func() { _ = cmd.Wait(); close(exited) }()
	c.mu.Lock()
	n.cmd, n.exited = cmd, exited
	c.mu.Unlock()
	deadline := time.Now().Add(startTimeout)
	for {
		out, err := c.run("-h", "127.0.0.1", "-p", strconv.Itoa(n.port), "ping")
		if err == nil && strings.TrimSpace(out) == "PONG" {
			return
		}
		if time.Now().After(deadline) {
			c.t.Fatalf("rediscluster: redis-server on %s does not answer after %v: %v %s\n%s", n.addr, startTimeout, err, out, c.Log(n.addr))
		}
		time.Sleep(pollInterval)
	}
}

// Kill kills the node at addr with SIGKILL, as a crash would, and waits
// for its process to exit.
func (c *Cluster) Kill(t testing.TB, addr string) {
	t.Helper()
	n := c.find(addr)
	c.mu.Lock()
	cmd, exited := n.cmd, n.exited
	n.cmd = nil
	c.mu.Unlock()
	if cmd == nil {
		t.Fatalf("rediscluster: %s is not running", addr)
	}
	_ = cmd.Process.Kill()
	<-exited
}

// Restart starts the killed node at addr again, on the same port and with
// its cluster configuration; it holds no data, and rejoins the cluster.
func (c *Cluster) Restart(t testing.TB, addr string) {
	t.Helper()
	c.startNode(c.find(addr))
}

// stopAll kills every running node.
func (c *Cluster) stopAll() {
	c.mu.Lock()
	defer c.mu.Unlock()
	for _, n := range c.nodes {
		if n.cmd != nil {
			_ = n.cmd.Process.Kill()
			<-n.exited
			n.cmd = nil
		}
	}
}

// running returns the addresses of the running nodes.
func (c *Cluster) running() []string {
	c.mu.Lock()
	defer c.mu.Unlock()
	var out []string
	for _, n := range c.nodes {
		if n.cmd != nil {
			out = append(out, n.addr)
		}
	}
	return out
}

// Log returns the server log of the node at addr.
func (c *Cluster) Log(addr string) string {
	n := c.find(addr)
	b, err := os.ReadFile(filepath.Join(n.dir, "redis.log"))
	if err != nil {
		return fmt.Sprintf("(no log of %s: %v)", addr, err)
	}
	return string(b)
}

// run runs redis-cli with args, bounded by cliTimeout.
func (c *Cluster) run(args ...string) (string, error) {
	ctx, cancel := context.WithTimeout(context.Background(), cliTimeout)
	defer cancel()
	cmd := exec.CommandContext(ctx, c.cli, args...)
	cmd.Stdin = strings.NewReader("")
	out, err := cmd.CombinedOutput()
	return string(out), err
}

// CLI runs redis-cli with args against the node at addr and returns its
// output, failing t if redis-cli fails.
func (c *Cluster) CLI(t testing.TB, addr string, args ...string) string {
	t.Helper()
	host, port, _ := net.SplitHostPort(addr)
	out, err := c.run(append([]string{"-h", host, "-p", port}, args...)...)
	if err != nil {
		t.Fatalf("rediscluster: redis-cli -p %s %s: %v\n%s", port, strings.Join(args, " "), err, out)
	}
	return out
}

// fields parses the "name:value" lines of INFO or CLUSTER INFO.
func fields(out string) map[string]string {
	m := map[string]string{}
	sc := bufio.NewScanner(strings.NewReader(out))
	for sc.Scan() {
		if k, v, ok := strings.Cut(strings.TrimSpace(sc.Text()), ":"); ok {
			m[k] = v
		}
	}
	return m
}

// info runs a command of the INFO kind on addr and parses it; nil when the
// node does not answer.
func (c *Cluster) info(addr string, args ...string) map[string]string {
	host, port, _ := net.SplitHostPort(addr)
	out, err := c.run(append([]string{"-h", host, "-p", port}, args...)...)
	if err != nil {
		return nil
	}
	return fields(out)
}

// role returns the role of the node at addr ("master" or "slave"), or ""
// when it does not answer.
func (c *Cluster) role(addr string) string {
	return c.info(addr, "info", "replication")["role"]
}

// Healthy reports whether the cluster is whole: every running node reports
// cluster_state:ok with every slot served by a master that is not failing,
// and sees every slot served by a node that runs (a node that was killed a
// moment ago looks healthy to the others until the node timeout). If not,
// it says which node sees what.
func (c *Cluster) Healthy() (bool, string) {
	running := c.running()
	for _, addr := range running {
		f := c.info(addr, "cluster", "info")
		if f["cluster_state"] != "ok" || f["cluster_slots_ok"] != strconv.Itoa(SlotCount) ||
			f["cluster_slots_pfail"] != "0" || f["cluster_slots_fail"] != "0" {
			return false, fmt.Sprintf("%s: state %q, slots ok %s, pfail %s, fail %s", addr,
				f["cluster_state"], f["cluster_slots_ok"], f["cluster_slots_pfail"], f["cluster_slots_fail"])
		}
		host, port, _ := net.SplitHostPort(addr)
		out, err := c.run("-h", host, "-p", port, "cluster", "nodes")
		if err != nil {
			return false, fmt.Sprintf("%s: cluster nodes: %v", addr, err)
		}
		nodes, err := parseNodes(out)
		if err != nil {
			return false, fmt.Sprintf("%s: %v", addr, err)
		}
		for _, n := range nodes {
			if n.Master && len(n.Slots) > 0 && !slices.Contains(running, n.Addr) {
				return false, fmt.Sprintf("%s sees %d slots served by %s, which is down", addr, n.SlotCount(), n.Addr)
			}
		}
	}
	return true, ""
}

// WaitOK waits until Healthy, failing t after within, and returns how long
// it waited.
func (c *Cluster) WaitOK(t testing.TB, within time.Duration) time.Duration {
	t.Helper()
	start := time.Now()
	for {
		ok, why := c.Healthy()
		if ok {
			return time.Since(start)
		}
		if time.Since(start) > within {
			t.Fatalf("rediscluster: not healthy after %v: %s", within, why)
		}
		time.Sleep(pollInterval)
	}
}

// WaitInSync waits until the node at addr is a replica whose link to its
// master is up and whose initial sync is done, failing t after within, and
// returns how long it waited.
func (c *Cluster) WaitInSync(t testing.TB, addr string, within time.Duration) time.Duration {
	t.Helper()
	start := time.Now()
	for {
		f := c.info(addr, "info", "replication")
		if f["role"] == "slave" && f["master_link_status"] == "up" && f["master_sync_in_progress"] == "0" {
			return time.Since(start)
		}
		if time.Since(start) > within {
			t.Fatalf("rediscluster: %s not a replica in sync after %v: role %q, link %q", addr, within, f["role"], f["master_link_status"])
		}
		time.Sleep(pollInterval)
	}
}

// Node is a node as CLUSTER NODES describes it.
type Node struct {
	ID       string
	Addr     string // host:port
	Master   bool
	MasterID string   // of a replica
	Failed   bool     // flagged fail or fail?
	Slots    [][2]int // the ranges of slots it serves, first and last
}

// SlotCount returns how many slots n serves.
func (n Node) SlotCount() int {
	total := 0
	for _, r := range n.Slots {
		total += r[1] - r[0] + 1
	}
	return total
}

// Nodes returns the cluster's nodes as a running node sees them.
func (c *Cluster) Nodes(t testing.TB) []Node {
	t.Helper()
	running := c.running()
	if len(running) == 0 {
		t.Fatal("rediscluster: no node runs")
	}
	var errs []error
	for _, addr := range running {
		host, port, _ := net.SplitHostPort(addr)
		out, err := c.run("-h", host, "-p", port, "cluster", "nodes")
		if err == nil {
			nodes, err := parseNodes(out)
			if err == nil {
				return nodes
			}
		}
		errs = append(errs, fmt.Errorf("%s: %w: %s", addr, err, out))
	}
	t.Fatalf("rediscluster: cluster nodes: %v", errors.Join(errs...))
	return nil
}

// Masters returns the masters among Nodes that serve slots and are not
// failing.
func (c *Cluster) Masters(t testing.TB) []Node {
	t.Helper()
	var out []Node
	for _, n := range c.Nodes(t) {
		if n.Master && !n.Failed && len(n.Slots) > 0 {
			out = append(out, n)
		}
	}
	return out
}

// parseNodes parses the output of CLUSTER NODES.
func parseNodes(out string) ([]Node, error) {
	var nodes []Node
	for line := range strings.Lines(out) {
		f := strings.Fields(line)
		if len(f) == 0 {
			continue
		}
		if len(f) < 8 {
			return nil, fmt.Errorf("a CLUSTER NODES line of %d fields: %q", len(f), line)
		}
		addr, _, _ := strings.Cut(f[1], "@")
		flags := "," + f[2] + ","
		n := Node{
			ID: f[0], Addr: addr,
			Master: strings.Contains(flags, ",master,"),
			Failed: strings.Contains(flags, ",fail,") || strings.Contains(flags, ",fail?,"),
		}
		if f[3] != "-" {
			n.MasterID = f[3]
		}
		for _, s := range f[8:] {
			if strings.HasPrefix(s, "[") {
				continue // a slot being imported or migrated
			}
			lo, hi, isRange := strings.Cut(s, "-")
			if !isRange {
				hi = lo
			}
			a, err1 := strconv.Atoi(lo)
			b, err2 := strconv.Atoi(hi)
			if err1 != nil || err2 != nil {
				return nil, fmt.Errorf("a slot range %q in %q", s, line)
			}
			n.Slots = append(n.Slots, [2]int{a, b})
		}
		nodes = append(nodes, n)
	}
	return nodes, nil
}

// Reshard moves slots slots from the master with ID from to the master with
// ID to, with `redis-cli --cluster reshard`, keys included, and returns
// redis-cli's output.
func (c *Cluster) Reshard(t testing.TB, from, to string, slots int) string {
	t.Helper()
	running := c.running()
	if len(running) == 0 {
		t.Fatal("rediscluster: no node runs")
	}
	// redis-cli refuses to reshard until every node has the configuration
	// of the last reshard, which takes a moment to spread.
	c.waitAgreed(t, running[0], reshardAgreeTimeout)
	args := []string{"--cluster", "reshard", running[0],
		"--cluster-from", from, "--cluster-to", to,
		"--cluster-slots", strconv.Itoa(slots), "--cluster-yes"}
	out, err := c.run(args...)
	if err != nil {
		t.Fatalf("rediscluster: redis-cli %s: %v\n%s", strings.Join(args, " "), err, out)
	}
	return out
}

// reshardAgreeTimeout bounds how long Reshard waits for the nodes to agree
// on the cluster's configuration.
const reshardAgreeTimeout = 30 * time.Second

// waitAgreed waits until `redis-cli --cluster check` through addr finds no
// error, such as nodes that do not agree about the configuration, failing
// t after within.
func (c *Cluster) waitAgreed(t testing.TB, addr string, within time.Duration) {
	t.Helper()
	start := time.Now()
	for {
		out, err := c.run("--cluster", "check", addr)
		if err == nil && !strings.Contains(out, "[ERR]") {
			return
		}
		if time.Since(start) > within {
			t.Fatalf("rediscluster: the nodes do not agree after %v: %v\n%s", within, err, out)
		}
		time.Sleep(pollInterval)
	}
}
