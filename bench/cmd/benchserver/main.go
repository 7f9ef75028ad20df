// Command benchserver serves the benchmark's routes with one session
// implementation, chosen with -impl, over PostgreSQL, Redis
// ($BENCH_REDIS_ADDR, default 127.0.0.1:6379) or files (-dir).
//
//	go run ./cmd/benchserver -impl sessiongen -addr 127.0.0.1:8080 \
//		-dsn 'postgres://postgres@127.0.0.1:5432/sessiongen_bench?sslmode=disable'
//
// benchrun starts it; run by hand, it serves until interrupted.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"log"
	"net"
	"net/http"
	"net/http/pprof"
	"os"
	"os/signal"
	"runtime"
	rpprof "runtime/pprof"
	"strings"
	"syscall"
	"time"

	"github.com/sessiongen/sessiongen/bench/impl"
)

func main() {
	implName := flag.String("impl", "sessiongen", "the implementation: "+strings.Join(impl.Names, ", "))
	addr := flag.String("addr", "127.0.0.1:8080", "the address to listen on")
	dsn := flag.String("dsn", "postgres://postgres@127.0.0.1:5432/sessiongen_bench?sslmode=disable", "the PostgreSQL connection string")
	pool := flag.Int("pool", 8, "the most database (or Redis) connections")
	dir := flag.String("dir", "", "the directory of sessiongen-file's sessions (empty: a new temporary directory, removed on exit)")
	pprofAddr := flag.String("pprof", "", "serve net/http/pprof on this address too (empty: no)")
	cpuProfile := flag.String("cpuprofile", "", "write a CPU profile of the whole run to this file")
	memProfile := flag.String("memprofile", "", "write an allocation profile of the whole run to this file when it ends")
	memProfileRate := flag.Int("memprofilerate", 0, "sample one allocation per this many bytes (runtime.MemProfileRate; 0: Go's default, 512 KiB)")
	flag.Parse()
	if *memProfileRate > 0 {
		runtime.MemProfileRate = *memProfileRate
	}
	cfg := impl.Config{DSN: *dsn, PoolSize: int32(*pool), Dir: *dir}
	if err := run(*implName, *addr, cfg, *pprofAddr, *cpuProfile, *memProfile); err != nil {
		log.Fatal(err)
	}
}

func run(name, addr string, cfg impl.Config, pprofAddr, cpuProfile, memProfile string) error {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	x, err := impl.New(ctx, name, cfg)
	if err != nil {
		return err
	}
	defer x.Close()
	if cpuProfile != "" {
		f, err := os.Create(cpuProfile)
		if err != nil {
			return err
		}
		defer f.Close()
		if err := rpprof.StartCPUProfile(f); err != nil {
			return err
		}
		defer rpprof.StopCPUProfile()
	}
	if memProfile != "" {
		defer writeAllocs(memProfile)
	}
	if pprofAddr != "" {
		mux := http.NewServeMux()
		mux.HandleFunc("/debug/pprof/", pprof.Index)
		mux.HandleFunc("/debug/pprof/profile", pprof.Profile)
		go func() { _ = http.ListenAndServe(pprofAddr, mux) }()
	}
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return err
	}
	srv := &http.Server{Handler: x.Handler(), ReadHeaderTimeout: 10 * time.Second}
	fmt.Printf("benchserver: %s listening on %s\n", name, ln.Addr())
	errc := make(chan error, 1)
	go func() { errc <- srv.Serve(ln) }()
	select {
	case err := <-errc:
		return err
	case <-ctx.Done():
	}
	shutdown, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	if err := srv.Shutdown(shutdown); err != nil && !errors.Is(err, http.ErrServerClosed) {
		return err
	}
	return nil
}

// writeAllocs writes the allocations sampled since the start to path, in
// pprof's format: go tool pprof -sample_index=alloc_objects reads them.
func writeAllocs(path string) {
	runtime.GC() // the profile counts up to the last collection
	f, err := os.Create(path)
	if err == nil {
		err = rpprof.Lookup("allocs").WriteTo(f, 0)
		err = errors.Join(err, f.Close())
	}
	if err != nil {
		log.Printf("benchserver: -memprofile: %v", err)
	}
}
