package main

import (
	"context"
	"fmt"
	"os"
	"strconv"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/redis/go-redis/v9"

	"github.com/sessiongen/sessiongen/bench/impl"
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
// serving the benchmark database, the Redis server, and this process (the
// load generator) use during a measurement.
type cpuMeter struct {
	conn *pgx.Conn     // nil: PostgreSQL's share is not measured
	rdb  *redis.Client // nil: Redis's is not
}

// newCPUMeter returns a meter of the PostgreSQL backends of the database
// dsn names and, if withRedis, of the Redis server at impl.RedisAddr.
func newCPUMeter(ctx context.Context, dsn string, withRedis bool) *cpuMeter {
	m := &cpuMeter{}
	conn, err := pgx.Connect(ctx, dsn)
	if err != nil {
		logf("PostgreSQL CPU time will not be measured: %v", err)
	} else {
		m.conn = conn
	}
	if withRedis {
		m.rdb = redis.NewClient(&redis.Options{Addr: impl.RedisAddr(), ContextTimeoutEnabled: true, PoolSize: 1})
		if _, err := m.redisCPU(ctx); err != nil {
			logf("Redis CPU time will not be measured: %v", err)
			m.rdb.Close()
			m.rdb = nil
		}
	}
	return m
}

func (m *cpuMeter) close() {
	if m.conn != nil {
		_ = m.conn.Close(context.Background())
	}
	if m.rdb != nil {
		_ = m.rdb.Close()
	}
}

// redisCPU returns the user+system CPU time of the whole Redis server, as
// INFO reports it (to the microsecond): every client's work, the
// benchmark's alone on a quiet machine.
func (m *cpuMeter) redisCPU(ctx context.Context) (time.Duration, error) {
	info, err := m.rdb.Info(ctx, "cpu").Result()
	if err != nil {
		return 0, err
	}
	var total time.Duration
	for _, field := range []string{"used_cpu_user", "used_cpu_sys"} {
		_, after, ok := strings.Cut(info, "\n"+field+":")
		v, err := strconv.ParseFloat(strings.TrimSpace(strings.SplitN(after, "\n", 2)[0]), 64)
		if !ok || err != nil {
			return 0, fmt.Errorf("INFO cpu has no %s", field)
		}
		total += time.Duration(v * float64(time.Second))
	}
	return total, nil
}

// cpuSample is a reading of the meter.
type cpuSample struct {
	server, db, redis, loader time.Duration
	backends                  []int
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
	if m.rdb != nil {
		s.redis, _ = m.redisCPU(ctx)
	}
	return s
}

// cpuPerRequest is the CPU time a measurement used per request. db is the
// store's: the PostgreSQL backends', and the Redis server's for an
// implementation over Redis.
type cpuPerRequest struct{ server, db, loader time.Duration }
