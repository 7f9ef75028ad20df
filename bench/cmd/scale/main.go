// Command scale measures the sessions table at scale: it fills a dedicated
// database with N sessions, part expired and part live, and reports the
// primary-key load latency through pgstore.Load, the time to clear the
// expired rows with pgstore's batched DeleteExpired while live traffic
// runs (and that traffic's latency meanwhile), and the table and index
// sizes. With -partitioned it also builds the same rows in a table
// partitioned by day of expiry and measures loads and dropping the expired
// partitions, for comparison.
//
//	go run ./cmd/scale -rows 1000000
//	go run ./cmd/scale -rows 10000000 -partitioned
//
// The database (sessiongen_scale by default) is created afresh and dropped
// at the end unless -keep is given.
package main

import (
	"context"
	"crypto/sha256"
	"encoding/binary"
	"encoding/json"
	"flag"
	"fmt"
	"log"
	"math/rand/v2"
	"os"
	"slices"
	"sync"
	"sync/atomic"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/sessiongen/sessiongen/runtime"
	"github.com/sessiongen/sessiongen/runtime/pgstore"
)

func main() {
	dsn := flag.String("dsn", "postgres://postgres@127.0.0.1:5432/sessiongen_scale?sslmode=disable", "database to create, fill and drop")
	rows := flag.Int64("rows", 1_000_000, "sessions to generate")
	expiredPct := flag.Int64("expired", 50, "percentage of the sessions that have expired")
	loads := flag.Int("loads", 20_000, "primary-key loads to time")
	batch := flag.Int("batch", runtime.DefaultBatchSize, "DeleteExpired batch size")
	workers := flag.Int("workers", 2, "goroutines of live traffic during the clear")
	partitioned := flag.Bool("partitioned", false, "also measure a table partitioned by day of expiry")
	keep := flag.Bool("keep", false, "keep the database afterwards")
	flag.Parse()
	ctx := context.Background()
	if err := run(ctx, *dsn, *rows, *expiredPct, *loads, *batch, *workers, *partitioned, *keep); err != nil {
		log.Fatal(err)
	}
}

// hashOf returns the token hash of generated session g: the SQL below
// computes the same, sha256(int8send(g)).
func hashOf(g int64) runtime.TokenHash {
	var b [8]byte
	binary.BigEndian.PutUint64(b[:], uint64(g))
	return sha256.Sum256(b[:])
}

// live reports whether generated session g is live; the SQL agrees.
func live(g, expiredPct int64) bool { return g%100 >= expiredPct }

// randomLive returns a random live session number in [1, rows].
func randomLive(r *rand.Rand, rows, expiredPct int64) int64 {
	for {
		if g := r.Int64N(rows) + 1; live(g, expiredPct) {
			return g
		}
	}
}

// generate inserts sessions [from, to]: about 300 bytes of JSON for most,
// 2 KB for one in twenty; two in five bound to a user; expiries spread over
// the two weeks before now (expired) or after it (live).
const generate = `
INSERT INTO sessiongen_sessions (token_hash, data, created_at, updated_at, expires_at, user_id, user_agent)
SELECT sha256(int8send(g)),
       convert_to((jsonb_build_object(
           'csrf_token', md5(g::text),
           'theme', CASE WHEN g % 3 = 0 THEN 'dark' ELSE 'light' END,
           'cart_items', (SELECT coalesce(jsonb_agg(g % 1000 + i), '[]') FROM generate_series(1, (g % 6)::int) i),
           'last_seen', to_jsonb(e - interval '14 days'),
           'notice', 'Your basket was saved.')
       || CASE WHEN g % 5 < 2 THEN jsonb_build_object('user_id', g % 200000) ELSE '{}' END
       || CASE WHEN g % 20 = 0 THEN jsonb_build_object('recently_viewed',
              (SELECT jsonb_agg(jsonb_build_object('id', g + i, 'slug', 'product-' || (g + i)))
               FROM generate_series(1, 60) i)) ELSE '{}' END)::text, 'UTF8'),
       e - interval '14 days', e - interval '14 days' + (g % 7) * interval '1 day', e,
       CASE WHEN g % 5 < 2 THEN 'user-' || (g % 200000) END,
       'Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/126.0.0.0 Safari/537.36'
FROM generate_series($1::bigint, $2::bigint) g,
     LATERAL (SELECT CASE WHEN g % 100 < $3::bigint
                          THEN now() - random() * interval '14 days'
                          ELSE now() + interval '1 hour' + random() * interval '14 days' END AS e) x`

func run(ctx context.Context, dsn string, rows, expiredPct int64, loads, batch, workers int, partitioned, keep bool) error {
	cfg, err := pgx.ParseConfig(dsn)
	if err != nil {
		return err
	}
	name := cfg.Database
	if err := adminExec(ctx, cfg, "DROP DATABASE IF EXISTS "+pgx.Identifier{name}.Sanitize()+" WITH (FORCE)"); err != nil {
		return err
	}
	if err := adminExec(ctx, cfg, "CREATE DATABASE "+pgx.Identifier{name}.Sanitize()); err != nil {
		return err
	}
	if !keep {
		defer func() {
			if err := adminExec(context.Background(), cfg, "DROP DATABASE IF EXISTS "+pgx.Identifier{name}.Sanitize()+" WITH (FORCE)"); err != nil {
				log.Print(err)
			}
		}()
	}
	pc, err := pgxpool.ParseConfig(dsn)
	if err != nil {
		return err
	}
	pc.MaxConns = int32(workers + 6)
	pool, err := pgxpool.NewWithConfig(ctx, pc)
	if err != nil {
		return err
	}
	defer pool.Close()
	if err := pgstore.Migrate(ctx, pool); err != nil {
		return err
	}
	store := pgstore.New(pool)

	fmt.Printf("## %d sessions, %d%% expired\n\n", rows, expiredPct)
	start := time.Now()
	const chunk = 250_000
	for from := int64(1); from <= rows; from += chunk {
		if _, err := pool.Exec(ctx, generate, from, min(from+chunk-1, rows), expiredPct); err != nil {
			return fmt.Errorf("generate: %w", err)
		}
		fmt.Fprintf(os.Stderr, "\rgenerated %d/%d", min(from+chunk-1, rows), rows)
	}
	fmt.Fprintln(os.Stderr)
	fmt.Printf("- generated in %s (%.0f rows/s)\n", since(start), float64(rows)/time.Since(start).Seconds())
	if err := vacuum(ctx, pool, "VACUUM ANALYZE", "after generation"); err != nil {
		return err
	}

	if partitioned {
		if err := buildPartitioned(ctx, pool, rows); err != nil {
			return err
		}
	}

	load := func(label string, s *pgstore.Store) error {
		lat, err := timeLoads(ctx, s, rows, expiredPct, loads, 4)
		if err != nil {
			return err
		}
		fmt.Printf("- %s: %d loads by 4 goroutines: %s\n", label, loads, lat)
		return nil
	}
	if err := load("pgstore.Load, primary key", store); err != nil {
		return err
	}

	// Live traffic alone, then during the clear.
	base, err := traffic(ctx, store, rows, expiredPct, workers, func() error { time.Sleep(5 * time.Second); return nil })
	if err != nil {
		return err
	}
	fmt.Printf("- live traffic (load + per-key update) by %d goroutines, no clear: %s\n", workers, base)
	var deleted int64
	var clearTime time.Duration
	during, err := traffic(ctx, store, rows, expiredPct, workers, func() error {
		start := time.Now()
		n, err := store.DeleteExpired(ctx, batch)
		deleted, clearTime = n, time.Since(start)
		return err
	})
	if err != nil {
		return err
	}
	fmt.Printf("- DeleteExpired(batch %d): %d rows in %s (%.0f rows/s)\n", batch, deleted, clearTime.Round(time.Millisecond), float64(deleted)/clearTime.Seconds())
	fmt.Printf("- live traffic during the clear: %s\n", during)
	if err := sizes(ctx, pool, "sessiongen_sessions", "after the clear, before VACUUM"); err != nil {
		return err
	}
	if err := vacuum(ctx, pool, "VACUUM after the clear", "after VACUUM"); err != nil {
		return err
	}
	if err := load("pgstore.Load after the clear", store); err != nil {
		return err
	}

	if partitioned {
		pcfg := pc.Copy()
		pcfg.ConnConfig.RuntimeParams["search_path"] = "part"
		ppool, err := pgxpool.NewWithConfig(ctx, pcfg)
		if err != nil {
			return err
		}
		defer ppool.Close()
		pstore := pgstore.New(ppool)
		if err := load("partitioned: pgstore.Load (token_hash, runtime pruning on expires_at > now())", pstore); err != nil {
			return err
		}
		var dropped int
		var dropTime time.Duration
		during, err := traffic(ctx, pstore, rows, expiredPct, workers, func() error {
			start := time.Now()
			n, err := dropExpiredPartitions(ctx, ppool)
			dropped, dropTime = n, time.Since(start)
			return err
		})
		if err != nil {
			return err
		}
		fmt.Printf("- partitioned: dropped %d fully expired daily partitions in %s\n", dropped, dropTime.Round(time.Millisecond))
		fmt.Printf("- partitioned: live traffic during the drops: %s\n", during)
		if err := sizes(ctx, ppool, "part.sessiongen_sessions", "partitioned, after the drops"); err != nil {
			return err
		}
	}
	return nil
}

// vacuum runs VACUUM (ANALYZE) on sessiongen_sessions, prints how long it
// took as "- what in …", then prints the table's sizes under label.
func vacuum(ctx context.Context, pool *pgxpool.Pool, what, label string) error {
	start := time.Now()
	if _, err := pool.Exec(ctx, "VACUUM (ANALYZE) sessiongen_sessions"); err != nil {
		return err
	}
	fmt.Printf("- %s in %s\n", what, since(start))
	return sizes(ctx, pool, "sessiongen_sessions", label)
}

func since(t time.Time) time.Duration { return time.Since(t).Round(time.Millisecond) }

// adminExec runs sql on the server's postgres database.
func adminExec(ctx context.Context, cfg *pgx.ConnConfig, sql string) error {
	c := cfg.Copy()
	c.Database = "postgres"
	conn, err := pgx.ConnectConfig(ctx, c)
	if err != nil {
		return err
	}
	defer conn.Close(ctx)
	_, err = conn.Exec(ctx, sql)
	return err
}

// sizes prints the table's sizes.
func sizes(ctx context.Context, pool *pgxpool.Pool, table, label string) error {
	var total, heap, toast, indexes int64
	var n int64
	// A plain table, or the leaf partitions of a partitioned one.
	err := pool.QueryRow(ctx, `
SELECT sum(pg_total_relation_size(c.oid))::bigint, sum(pg_relation_size(c.oid))::bigint,
       sum(coalesce(pg_total_relation_size(nullif(c.reltoastrelid, 0)), 0))::bigint, sum(pg_indexes_size(c.oid))::bigint
FROM pg_class c
WHERE c.oid IN (SELECT relid FROM pg_partition_tree($1::regclass) WHERE isleaf)
   OR (c.oid = $1::regclass AND c.relkind = 'r')`, table).Scan(&total, &heap, &toast, &indexes)
	if err != nil {
		return err
	}
	if err := pool.QueryRow(ctx, "SELECT count(*) FROM "+table).Scan(&n); err != nil {
		return err
	}
	fmt.Printf("- sizes %s: %d rows; total %s = heap %s + TOAST %s + indexes %s", label, n, mb(total), mb(heap), mb(toast), mb(indexes))
	idx, err := pool.Query(ctx, `SELECT indexrelid::regclass::text, pg_relation_size(indexrelid) FROM pg_index WHERE indrelid = $1::regclass ORDER BY 1`, table)
	if err != nil {
		return err
	}
	var parts []string
	for idx.Next() {
		var name string
		var size int64
		if err := idx.Scan(&name, &size); err != nil {
			return err
		}
		parts = append(parts, fmt.Sprintf("%s %s", name, mb(size)))
	}
	if err := idx.Err(); err != nil {
		return err
	}
	if len(parts) > 0 {
		fmt.Printf(" (%s)", joinComma(parts))
	}
	fmt.Println()
	return nil
}

func joinComma(s []string) string {
	out := ""
	for i, p := range s {
		if i > 0 {
			out += ", "
		}
		out += p
	}
	return out
}

func mb(b int64) string { return fmt.Sprintf("%.0f MB", float64(b)/(1<<20)) }

// latencies summarises durations.
type latencies []time.Duration

func (l latencies) String() string {
	if len(l) == 0 {
		return "no operations"
	}
	s := slices.Clone(l)
	slices.Sort(s)
	p := func(q float64) time.Duration { return s[min(len(s)-1, int(q*float64(len(s))))] }
	return fmt.Sprintf("%d ops, p50 %s, p99 %s, max %s", len(s), p(0.50).Round(time.Microsecond), p(0.99).Round(time.Microsecond), s[len(s)-1].Round(time.Microsecond))
}

// timeLoads times n loads of random live sessions by c goroutines.
func timeLoads(ctx context.Context, s *pgstore.Store, rows, expiredPct int64, n, c int) (latencies, error) {
	var (
		mu   sync.Mutex
		all  latencies
		left atomic.Int64
		wg   sync.WaitGroup
		fail atomic.Value
	)
	left.Store(int64(n))
	for w := range c {
		wg.Go(func() {
			r := rand.New(rand.NewPCG(uint64(w), 1))
			var mine latencies
			for left.Add(-1) >= 0 {
				h := hashOf(randomLive(r, rows, expiredPct))
				start := time.Now()
				if _, err := s.Load(ctx, h); err != nil {
					fail.Store(err)
					return
				}
				mine = append(mine, time.Since(start))
			}
			mu.Lock()
			all = append(all, mine...)
			mu.Unlock()
		})
	}
	wg.Wait()
	if err, ok := fail.Load().(error); ok {
		return nil, err
	}
	return all, nil
}

// traffic runs live requests (a load, then a per-key update) on random live
// sessions by c goroutines while f runs, and returns their latencies.
func traffic(ctx context.Context, s *pgstore.Store, rows, expiredPct int64, c int, f func() error) (latencies, error) {
	stop := make(chan struct{})
	var (
		mu   sync.Mutex
		all  latencies
		wg   sync.WaitGroup
		fail atomic.Value
	)
	for w := range c {
		wg.Go(func() {
			r := rand.New(rand.NewPCG(uint64(w), 2))
			var mine latencies
			defer func() {
				mu.Lock()
				all = append(all, mine...)
				mu.Unlock()
			}()
			for {
				select {
				case <-stop:
					return
				default:
				}
				h := hashOf(randomLive(r, rows, expiredPct))
				start := time.Now()
				rec, err := s.Load(ctx, h)
				if err == nil {
					err = s.Update(ctx, h, runtime.Change{
						Set:       map[string]json.RawMessage{"last_seen": fmt.Appendf(nil, "%q", time.Now().Format(time.RFC3339))},
						ExpiresAt: rec.ExpiresAt,
					})
				}
				if err != nil {
					fail.Store(err)
					return
				}
				mine = append(mine, time.Since(start))
			}
		})
	}
	err := f()
	close(stop)
	wg.Wait()
	if err != nil {
		return nil, err
	}
	if err, ok := fail.Load().(error); ok {
		return nil, err
	}
	return all, nil
}
