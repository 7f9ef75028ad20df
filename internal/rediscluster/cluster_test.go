package rediscluster

import (
	"reflect"
	"testing"
	"time"
)

func TestParseNodes(t *testing.T) {
	t.Parallel()
	const out = `e7d1eecce10fd6bb5eb35b9f99a514335d9ba9ca 127.0.0.1:30001@40001 myself,master - 0 0 1 connected 0-5460
67ed2db8d677e59ec4a4cefb06858cf2a1a89fa1 127.0.0.1:30002@40002 master - 0 1426238316232 2 connected 5461-10922 [10923->-292f8b365bb7edb5e285caf0b7e6ddc7265d2f4f]
292f8b365bb7edb5e285caf0b7e6ddc7265d2f4f 127.0.0.1:30003@40003 master,fail - 0 1426238318243 3 connected 10923 10924-16383
6ec23923021cf3ffec47632106199cb7f496ce01 127.0.0.1:30005@40005 slave 67ed2db8d677e59ec4a4cefb06858cf2a1a89fa1 0 1426238316232 5 connected
`
	got, err := parseNodes(out)
	if err != nil {
		t.Fatal(err)
	}
	want := []Node{
		{ID: "e7d1eecce10fd6bb5eb35b9f99a514335d9ba9ca", Addr: "127.0.0.1:30001", Master: true, Slots: [][2]int{{0, 5460}}},
		{ID: "67ed2db8d677e59ec4a4cefb06858cf2a1a89fa1", Addr: "127.0.0.1:30002", Master: true, Slots: [][2]int{{5461, 10922}}},
		{ID: "292f8b365bb7edb5e285caf0b7e6ddc7265d2f4f", Addr: "127.0.0.1:30003", Master: true, Failed: true, Slots: [][2]int{{10923, 10923}, {10924, 16383}}},
		{ID: "6ec23923021cf3ffec47632106199cb7f496ce01", Addr: "127.0.0.1:30005", MasterID: "67ed2db8d677e59ec4a4cefb06858cf2a1a89fa1"},
	}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("parseNodes:\n got %+v\nwant %+v", got, want)
	}
	if n := got[2].SlotCount(); n != 5461 {
		t.Errorf("SlotCount = %d, want 5461", n)
	}
	if _, err := parseNodes("abc 127.0.0.1:1@2 master\n"); err == nil {
		t.Error("a short line parsed without an error")
	}
}

// TestStart starts a cluster and checks its shape, then, without -short,
// kills a master and checks that its replica takes over, and that the
// master, restarted, comes back as a replica.
func TestStart(t *testing.T) {
	t.Parallel()
	start := time.Now()
	c := Start(t, Config{NodeTimeout: time.Second})
	t.Logf("started and joined 6 nodes in %v", time.Since(start).Round(time.Millisecond))
	nodes := c.Nodes(t)
	if len(nodes) != 6 {
		t.Fatalf("%d nodes, want 6", len(nodes))
	}
	masters := c.Masters(t)
	total := 0
	for _, m := range masters {
		total += m.SlotCount()
	}
	if len(masters) != 3 || total != SlotCount {
		t.Fatalf("%d masters serving %d slots, want 3 serving %d", len(masters), total, SlotCount)
	}
	if testing.Short() {
		return
	}
	victim := masters[0]
	c.Kill(t, victim.Addr)
	took := c.WaitOK(t, time.Minute)
	t.Logf("killed master %s: cluster whole again after %v", victim.Addr, took.Round(time.Millisecond))
	for _, m := range c.Masters(t) {
		if m.ID == victim.ID {
			t.Fatalf("the killed master %s still serves slots", victim.Addr)
		}
	}
	c.Restart(t, victim.Addr)
	c.WaitInSync(t, victim.Addr, time.Minute)
}
