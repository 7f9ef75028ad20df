package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"log"
	"os"
	"os/signal"
	"strings"
	"syscall"
	"time"
)

// config is the run's settings.
type config struct {
	DSN            string // "": start a throwaway cluster
	PGBin          string
	Sessions       int
	Conns          int
	Execs          int
	Rounds         int
	Out            string // the PROFILE.md to write; "": none
	Quick          bool
	Server         bool
	ServerImpls    []string
	ServerRequests int64
	ServerWarmup   int64
	ServerWorkers  int
	Pool           int
	Micro          bool
}

// quickSettings are the flags -quick changes, unless they are given.
var quickSettings = map[string]string{
	"sessions": "64", "conns": "4", "execs": "48", "rounds": "1",
	"server-requests": "1500", "server-warmup": "200", "server-workers": "8", "micro": "false",
}

func main() {
	cfg, err := parseFlags(os.Args[1:])
	if errors.Is(err, flag.ErrHelp) {
		return
	}
	if err != nil {
		log.Fatal(err)
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	rep, err := run(ctx, cfg)
	if rep != nil {
		fmt.Print(rep.text())
	}
	if err != nil {
		log.Fatal(err)
	}
}

func parseFlags(args []string) (config, error) {
	var cfg config
	fs := flag.NewFlagSet("pgcost", flag.ContinueOnError)
	fs.StringVar(&cfg.DSN, "dsn", "", "PostgreSQL 15+ with pg_stat_statements preloaded, as a superuser; its database gets a schema pgcost (dropped after) and the benchmark's sessiongen and bare tables (emptied) (empty: start a throwaway cluster)")
	fs.StringVar(&cfg.PGBin, "pgbin", DefaultPGBin, "the directory of initdb and pg_ctl, for the throwaway cluster")
	fs.IntVar(&cfg.Sessions, "sessions", 1000, "sessions seeded per table")
	fs.IntVar(&cfg.Conns, "conns", 8, "concurrent connections that run each statement form")
	fs.IntVar(&cfg.Execs, "execs", 2000, "executions of each form per round, over all connections")
	fs.IntVar(&cfg.Rounds, "rounds", 3, "rounds: each runs every form, and profiles every route, in turn")
	fs.StringVar(&cfg.Out, "out", "PROFILE.md", "the file to write the report to (empty: none; with -quick, none unless given)")
	fs.BoolVar(&cfg.Quick, "quick", false, "a smoke run of under a minute: "+quickHelp())
	fs.BoolVar(&cfg.Server, "server", true, "profile benchserver's /read and /write too")
	impls := fs.String("server-impls", "sessiongen,bare", "the implementations whose server side is profiled")
	fs.Int64Var(&cfg.ServerRequests, "server-requests", 10000, "measured requests per route, implementation and round")
	fs.Int64Var(&cfg.ServerWarmup, "server-warmup", 1000, "unmeasured requests before them")
	fs.IntVar(&cfg.ServerWorkers, "server-workers", 16, "load generator connections")
	fs.IntVar(&cfg.Pool, "pool", 8, "benchserver's database connections")
	fs.BoolVar(&cfg.Micro, "micro", true, "run bench/impl's and bench/session's go test benchmarks too")
	if err := fs.Parse(args); err != nil {
		return cfg, err
	}
	set := map[string]bool{}
	fs.Visit(func(f *flag.Flag) { set[f.Name] = true })
	if cfg.Quick {
		for name, v := range quickSettings {
			if !set[name] {
				_ = fs.Set(name, v) // the values are valid
			}
		}
		if !set["out"] {
			cfg.Out = ""
		}
	}
	cfg.ServerImpls = strings.Split(*impls, ",")
	switch {
	case cfg.Conns < 1 || cfg.Execs < cfg.Conns || cfg.Rounds < 1:
		return cfg, fmt.Errorf("pgcost: need -conns ≥ 1, -execs ≥ -conns and -rounds ≥ 1")
	case cfg.Sessions < cfg.Conns || cfg.Sessions < cfg.ServerWorkers:
		return cfg, fmt.Errorf("pgcost: -sessions %d: need at least as many as -conns (%d) and -server-workers (%d)", cfg.Sessions, cfg.Conns, cfg.ServerWorkers)
	}
	return cfg, nil
}

func quickHelp() string {
	var b strings.Builder
	for _, name := range []string{"sessions", "conns", "execs", "rounds", "server-requests", "server-warmup", "server-workers", "micro"} {
		fmt.Fprintf(&b, "-%s %s ", name, quickSettings[name])
	}
	return strings.TrimSpace(b.String())
}

// run measures everything cfg asks for and writes the report to cfg.Out.
// It returns what it measured, with an error if a stage failed.
func run(ctx context.Context, cfg config) (*report, error) {
	rep := &report{cfg: cfg, started: time.Now(), loadStart: loadAvg(), where: "the server of -dsn"}
	if l := rep.loadStart; l > 1 {
		logf("warning: load average %.2f before the run: other processes share the machine, and the figures will show it", l)
	}
	if cfg.DSN == "" {
		logf("starting a throwaway PostgreSQL cluster (%s)", cfg.PGBin)
		c, err := startCluster(ctx, cfg.PGBin)
		if err != nil {
			return nil, err
		}
		defer func() {
			if err := c.stop(); err != nil {
				logf("%v", err)
			}
		}()
		cfg.DSN = c.DSN()
		rep.where = "a throwaway cluster that pgcost started (initdb; " + strings.Join(clusterSettings, ", ") + "; the rest PostgreSQL's defaults)"
	}
	logf("creating and seeding %d tables of %d sessions", len(forms)*len(sizes), cfg.Sessions)
	pg, err := newPGStage(ctx, cfg)
	if err != nil {
		return nil, err
	}
	defer pg.close()
	rep.pgInfo = pg.info
	if err := pg.run(ctx); err != nil {
		return nil, err
	}
	rep.cases = pg.cases
	pg.close()
	if cfg.Server {
		ss, err := newServerStage(ctx, cfg)
		if err != nil {
			return nil, err
		}
		defer ss.close()
		if err := ss.run(ctx); err != nil {
			return nil, err
		}
		rep.profiles, rep.micro = ss.profiles, ss.micro
	}
	rep.loadEnd = loadAvg()
	rep.elapsed = time.Since(rep.started)
	if cfg.Out != "" {
		if err := os.WriteFile(cfg.Out, []byte(rep.markdown()), 0o644); err != nil {
			return rep, fmt.Errorf("pgcost: %w", err)
		}
		logf("wrote %s", cfg.Out)
	}
	logf("done in %s", rep.elapsed.Round(time.Second))
	return rep, nil
}

// loadAvg returns the 1-minute load average, or -1.
func loadAvg() float64 {
	b, err := os.ReadFile("/proc/loadavg")
	if err != nil {
		return -1
	}
	var v float64
	if _, err := fmt.Sscan(string(b), &v); err != nil {
		return -1
	}
	return v
}

func logf(format string, args ...any) {
	fmt.Fprintf(os.Stderr, "pgcost: "+format+"\n", args...)
}
