package main

import (
	"context"
	"os"
	"strconv"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"
)

// clockTick is the unit of /proc/PID/stat's CPU times (USER_HZ, 100 on
// Linux everywhere that matters).
const clockTick = 10 * time.Millisecond

// procCPU returns the user+system CPU time that process pid has used, or
// 0 when it cannot be read (not Linux, or the process is gone).
func procCPU(pid int) time.Duration {
	b, err := os.ReadFile("/proc/" + strconv.Itoa(pid) + "/stat")
	if err != nil {
		return 0
	}
	// The command name, in parentheses, may hold spaces: count fields
	// after its closing parenthesis. utime and stime are fields 14 and 15.
	s := string(b)
	if i := strings.LastIndexByte(s, ')'); i >= 0 {
		s = s[i+1:]
	}
	f := strings.Fields(s)
	if len(f) < 13 {
		return 0
	}
	utime, _ := strconv.ParseInt(f[11], 10, 64)
	stime, _ := strconv.ParseInt(f[12], 10, 64)
	return time.Duration(utime+stime) * clockTick
}

// cpuMeter measures the CPU time that the server, the PostgreSQL backends
// serving the benchmark database, and this process (the load generator)
// use during a measurement.
type cpuMeter struct {
	conn *pgx.Conn // nil: PostgreSQL's share is not measured
}

func newCPUMeter(ctx context.Context, dsn string) *cpuMeter {
	conn, err := pgx.Connect(ctx, dsn)
	if err != nil {
		logf("PostgreSQL CPU time will not be measured: %v", err)
		return &cpuMeter{}
	}
	return &cpuMeter{conn: conn}
}

func (m *cpuMeter) close() {
	if m.conn != nil {
		_ = m.conn.Close(context.Background())
	}
}

// cpuSample is a reading of the meter.
type cpuSample struct {
	server, db, loader time.Duration
	backends           []int
}

// backends returns the PIDs of the backends connected to the benchmark
// database, but for the meter's own.
func (m *cpuMeter) backends(ctx context.Context) []int {
	if m.conn == nil {
		return nil
	}
	rows, err := m.conn.Query(ctx, "SELECT pid FROM pg_stat_activity WHERE datname = current_database() AND pid <> pg_backend_pid()")
	if err != nil {
		return nil
	}
	pids, err := pgx.CollectRows(rows, pgx.RowTo[int])
	if err != nil {
		return nil
	}
	return pids
}

// sample reads the CPU times, of the given backends, or of the ones
// connected now when backends is nil.
func (m *cpuMeter) sample(ctx context.Context, serverPID int, backends []int) cpuSample {
	if backends == nil {
		backends = m.backends(ctx)
	}
	s := cpuSample{server: procCPU(serverPID), loader: procCPU(os.Getpid()), backends: backends}
	for _, pid := range backends {
		s.db += procCPU(pid)
	}
	return s
}

// cpuPerRequest is the CPU time a measurement used per request.
type cpuPerRequest struct{ server, db, loader time.Duration }
