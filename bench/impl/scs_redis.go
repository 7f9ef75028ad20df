package impl

import (
	"context"
	"fmt"
	"net/http"
	"sync/atomic"
	"time"

	"github.com/alexedwards/scs/redisstore"
	redigo "github.com/gomodule/redigo/redis"
)

// scsRedisImpl serves the routes as scsImpl does (scsHandler: the gob
// codec, tokens hashed in the store, no idle timeout), over scs's Redis
// store, github.com/alexedwards/scs/redisstore, on a redigo pool of
// cfg.PoolSize connections, under a key prefix of its own (redisPrefix).
// Each session is one string key, its gob-encoded data, which a load GETs
// and a save replaces whole (MULTI, SET, PEXPIREAT, EXEC). It counts its
// Redis round trips (RedisTripsRoute) in each connection (countedConn).
type scsRedisImpl struct {
	h      http.Handler
	pool   *redigo.Pool
	prefix string
	trips  atomic.Int64
}

func newSCSRedis(ctx context.Context, cfg Config) (*scsRedisImpl, error) {
	prefix, err := redisPrefix(cfg, "scs-redis")
	if err != nil {
		return nil, err
	}
	x := &scsRedisImpl{prefix: prefix}
	addr := RedisAddr()
	x.pool = &redigo.Pool{
		MaxIdle:   int(cfg.PoolSize),
		MaxActive: int(cfg.PoolSize),
		Wait:      true, // wait for a free connection, as a pgx pool does
		Dial: func() (redigo.Conn, error) {
			c, err := redigo.Dial("tcp", addr, redigo.DialConnectTimeout(5*time.Second))
			if err != nil {
				return nil, err
			}
			return &countedConn{Conn: c, trips: &x.trips}, nil
		},
	}
	conn, err := x.pool.GetContext(ctx)
	if err == nil {
		_, err = conn.Do("PING")
		conn.Close()
	}
	if err != nil {
		x.pool.Close()
		return nil, fmt.Errorf("scs-redis: Redis at %s: %w", addr, err)
	}
	x.h = countedHandler(scsHandler(redisstore.NewWithPrefix(x.pool, prefix)), &x.trips)
	return x, nil
}

func (x *scsRedisImpl) Handler() http.Handler { return x.h }
func (x *scsRedisImpl) CookieName() string    { return "session" }
func (x *scsRedisImpl) Table() string         { return "" }
func (x *scsRedisImpl) Close()                { x.pool.Close() }

// empty deletes the sessions under the prefix.
func (x *scsRedisImpl) empty(ctx context.Context) error { return emptyRedis(ctx, x.prefix) }

// countedConn is a redigo connection that counts its round trips to Redis
// in trips: each Do that reaches the server (a command, or the commands
// Sent before it, which it flushes and whose replies it reads, as scs's
// MULTI ... EXEC), and each Flush of Sent commands, whose replies Receive
// then reads. A Do("") with nothing Sent, which redigo's pool issues when
// a connection goes back, sends nothing and is not counted. The pool hands
// a connection to one caller at a time, so pending needs no lock.
type countedConn struct {
	redigo.Conn
	trips   *atomic.Int64
	pending int // commands Sent and not yet flushed
}

func (c *countedConn) Send(cmd string, args ...any) error {
	err := c.Conn.Send(cmd, args...)
	if err == nil {
		c.pending++
	}
	return err
}

func (c *countedConn) Flush() error {
	if c.pending > 0 {
		c.trips.Add(1)
		c.pending = 0
	}
	return c.Conn.Flush()
}

func (c *countedConn) Do(cmd string, args ...any) (any, error) {
	if cmd != "" || c.pending > 0 {
		c.trips.Add(1)
	}
	c.pending = 0
	return c.Conn.Do(cmd, args...)
}
