// Command pgcost finds where a session's load and save spend their time:
// in PostgreSQL, statement form by statement form, and in sessiongen's
// server, function by function. It writes PROFILE.md.
//
// Run it from bench/:
//
//	go run ./cmd/pgcost            # 3 to 6 minutes on 2 cores, by their load; writes PROFILE.md
//	go run ./cmd/pgcost -quick     # a smoke run of under a minute; writes nothing unless -out is given
//	go run ./cmd/pgcost -dsn 'postgres://postgres@127.0.0.1:5432/x?sslmode=disable' -server=false
//
// Without -dsn it starts a throwaway PostgreSQL cluster of its own (initdb
// and pg_ctl from -pgbin, as the postgres user when run as root) with
// pg_stat_statements preloaded and track_io_timing on, and removes it
// after.
//
// The PostgreSQL side: each statement form (forms.go: today's LoadSession
// and UpdateSession, and the alternatives of issue 16) gets a table of its
// own, seeded with small and 8 KiB sessions, and runs a fixed number of
// times from several connections in each of several rounds. For each run
// it reads pg_stat_statements (execution and planning time, blocks, WAL),
// pg_stat_wal, the HOT-update ratio of pg_stat_user_tables, the growth of
// the indexes and the CPU time of the backends; then it explains one
// execution of each form with EXPLAIN (ANALYZE, BUFFERS, WAL).
//
// The server side: benchserver serves /read and /write of sessiongen and
// of bare under load, with a CPU and an allocation profile, which go tool
// pprof summarises per request; go test -bench adds exact allocation
// counts.
package main
