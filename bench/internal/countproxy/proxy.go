// Package countproxy is a TCP proxy in front of PostgreSQL that counts the
// database round trips its clients make.
//
// It reads the frontend side of the wire protocol and counts each Sync
// message (the end of an extended-protocol exchange: pgx's prepared
// queries, and database/sql through pgx's stdlib) and each simple Query
// message, that is, each time the client waits for the server's
// ReadyForQuery. Clients must not use TLS (sslmode=disable): the proxy
// answers an SSLRequest with "no".
package countproxy

import (
	"bufio"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"net"
	"sync"
	"sync/atomic"
)

// Proxy forwards connections to a PostgreSQL server and counts round trips.
type Proxy struct {
	ln     net.Listener
	target string
	trips  atomic.Int64

	mu    sync.Mutex
	conns map[net.Conn]struct{}
	wg    sync.WaitGroup
}

// Start listens on a free port of 127.0.0.1 and forwards each connection
// to target (host:port).
func Start(target string) (*Proxy, error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, err
	}
	p := &Proxy{ln: ln, target: target, conns: map[net.Conn]struct{}{}}
	p.wg.Add(1)
	go p.accept()
	return p, nil
}

// Addr returns the address clients connect to.
func (p *Proxy) Addr() string { return p.ln.Addr().String() }

// RoundTrips returns the round trips counted so far.
func (p *Proxy) RoundTrips() int64 { return p.trips.Load() }

// Close stops the proxy and closes every connection.
func (p *Proxy) Close() error {
	err := p.ln.Close()
	p.mu.Lock()
	for c := range p.conns {
		_ = c.Close()
	}
	p.mu.Unlock()
	p.wg.Wait()
	return err
}

func (p *Proxy) track(c net.Conn, on bool) bool {
	p.mu.Lock()
	defer p.mu.Unlock()
	if !on {
		delete(p.conns, c)
		return true
	}
	if p.conns == nil {
		return false
	}
	p.conns[c] = struct{}{}
	return true
}

func (p *Proxy) accept() {
	defer p.wg.Done()
	for {
		client, err := p.ln.Accept()
		if err != nil {
			return
		}
		p.wg.Add(1)
		go func() {
			defer p.wg.Done()
			p.serve(client)
		}()
	}
}

func (p *Proxy) serve(client net.Conn) {
	server, err := net.Dial("tcp", p.target)
	if err != nil {
		_ = client.Close()
		return
	}
	p.track(client, true)
	p.track(server, true)
	defer func() {
		_ = client.Close()
		_ = server.Close()
		p.track(client, false)
		p.track(server, false)
	}()
	done := make(chan struct{})
	go func() {
		_, _ = io.Copy(client, server)
		_ = client.Close()
		close(done)
	}()
	_ = p.frontend(client, server)
	_ = server.Close()
	<-done
}

// Protocol codes of the untyped first messages.
const (
	sslRequest    = 80877103
	gssEncRequest = 80877104
)

// frontend copies the client's messages to the server, counting round
// trips.
func (p *Proxy) frontend(client net.Conn, server net.Conn) error {
	r := bufio.NewReaderSize(client, 32<<10)
	w := bufio.NewWriterSize(server, 32<<10)
	// Startup: untyped messages (length, code, ...), until one that is not
	// a request for encryption.
	for {
		var hdr [8]byte
		if _, err := io.ReadFull(r, hdr[:]); err != nil {
			return err
		}
		n := binary.BigEndian.Uint32(hdr[:4])
		code := binary.BigEndian.Uint32(hdr[4:])
		if code == sslRequest || code == gssEncRequest {
			if _, err := client.Write([]byte{'N'}); err != nil {
				return err
			}
			continue
		}
		if n < 8 || n > 1<<20 {
			return fmt.Errorf("countproxy: bad startup length %d", n)
		}
		if _, err := w.Write(hdr[:]); err != nil {
			return err
		}
		if _, err := io.CopyN(w, r, int64(n-8)); err != nil {
			return err
		}
		if err := w.Flush(); err != nil {
			return err
		}
		break
	}
	for {
		var hdr [5]byte
		if _, err := io.ReadFull(r, hdr[:]); err != nil {
			if errors.Is(err, io.EOF) {
				return nil
			}
			return err
		}
		n := binary.BigEndian.Uint32(hdr[1:])
		if n < 4 {
			return fmt.Errorf("countproxy: bad message length %d", n)
		}
		switch hdr[0] {
		case 'S', 'Q':
			p.trips.Add(1)
		}
		if _, err := w.Write(hdr[:]); err != nil {
			return err
		}
		if _, err := io.CopyN(w, r, int64(n-4)); err != nil {
			return err
		}
		if r.Buffered() == 0 {
			if err := w.Flush(); err != nil {
				return err
			}
		}
	}
}
