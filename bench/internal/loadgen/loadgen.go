// Package loadgen drives HTTP/1.1 load at a local server from a few
// keep-alive connections, with little work per request: each worker writes
// a prepared request and reads the response with a small parser, so the
// load generator takes as little CPU as it can from the server it measures
// on the same machine. Each worker also counts the latency of its measured
// requests in a Histogram of its own, merged when the run ends.
package loadgen

import (
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"io"
	"net"
	"strconv"
	"sync"
	"sync/atomic"
	"time"
)

// Target is one route under load.
type Target struct {
	// Addr is the server's host:port.
	Addr string
	// Path is the request path.
	Path string
	// CookieName is the session cookie's name.
	CookieName string
	// Cookies are the session cookies' values. Each worker takes its own
	// share of them (worker w the ones at w, w+workers, ...) and cycles
	// through it, so no two workers use one session. There must be at
	// least as many cookies as workers.
	Cookies []string
	// Follow makes a worker replace the cookie it sent by the one the
	// response sets (the last Set-Cookie of CookieName with a value), as a
	// browser would: for /login, which gives the session a new token.
	Follow bool
}

// Result is what a run measured.
type Result struct {
	Requests   int64         // successful requests in the measured window
	Errors     int64         // failed requests (connection errors, status not 200) in the whole run
	Elapsed    time.Duration // the measured window
	FirstError string        // the first failure, for the report
	// Latency holds the latency of each of the Requests: from just before
	// the request is written (or its connection dialled) to the end of the
	// response's body. The workers send their next request only once the
	// last one is answered, so this is the latency under the load they
	// make, not at a fixed rate of arrivals. Never nil.
	Latency *Histogram
}

// PerSecond returns the successful requests per second.
func (r Result) PerSecond() float64 {
	if r.Elapsed <= 0 {
		return 0
	}
	return float64(r.Requests) / r.Elapsed.Seconds()
}

// Phases of a run.
const (
	phaseWarmup int32 = iota
	phaseMeasure
	phaseStop
)

// RunFor runs workers for warmup, then measures for d. mark, if not nil,
// is called just before the measured window opens (true) and just after it
// closes (false).
func RunFor(t Target, workers int, warmup, d time.Duration, mark func(start bool)) (Result, error) {
	if mark == nil {
		mark = func(bool) {}
	}
	var phase atomic.Int32
	var measureStart, measureEnd time.Time
	res, err := run(t, workers, func() (measure, stop bool) {
		switch phase.Load() {
		case phaseMeasure:
			return true, false
		case phaseStop:
			return false, true
		}
		return false, false
	}, func() {
		time.Sleep(warmup)
		mark(true)
		measureStart = time.Now()
		phase.Store(phaseMeasure)
		time.Sleep(d)
		phase.Store(phaseStop)
		measureEnd = time.Now()
		mark(false)
	})
	res.Elapsed = measureEnd.Sub(measureStart)
	return res, err
}

// RunN sends warmup requests, then measures n more.
func RunN(t Target, workers int, warmup, n int64) (Result, error) {
	var issued atomic.Int64
	start := time.Now()
	res, err := run(t, workers, func() (measure, stop bool) {
		i := issued.Add(1)
		return i > warmup, i > warmup+n
	}, nil)
	res.Elapsed = time.Since(start)
	return res, err
}

// run starts the workers; next is asked before each request whether it
// counts and whether to stop; control, if not nil, runs alongside.
func run(t Target, workers int, next func() (measure, stop bool), control func()) (Result, error) {
	if workers <= 0 {
		workers = 1
	}
	if len(t.Cookies) < workers {
		return Result{Latency: new(Histogram)}, fmt.Errorf("loadgen: %d cookies for %d workers", len(t.Cookies), workers)
	}
	var (
		wg       sync.WaitGroup
		mu       sync.Mutex // guards res
		res      = Result{Latency: new(Histogram)}
		firstErr atomic.Value
	)
	for w := range workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			wk := &worker{t: t, index: w, step: workers}
			defer wk.close()
			var n, e int64
			latency := new(Histogram)
			defer func() {
				mu.Lock()
				defer mu.Unlock()
				res.Requests += n
				res.Errors += e
				res.Latency.Merge(latency)
			}()
			// One monotonic clock reading per request, not two: the end
			// of a measured response starts the next request's clock
			// (only next() runs in between). On this benchmark's virtual
			// machine a reading costs about 0.15 µs.
			clock := time.Now()
			last := time.Duration(-1) // the end of the previous request, if it was measured and answered
			for {
				measure, stop := next()
				if stop {
					return
				}
				began := last
				if measure && began < 0 {
					began = time.Since(clock)
				}
				last = -1
				if err := wk.do(); err != nil {
					e++
					firstErr.CompareAndSwap(nil, err.Error())
					wk.close()
					if e > 1000 {
						return
					}
					continue
				}
				if measure {
					last = time.Since(clock)
					latency.Record(last - began)
					n++
				}
			}
		}()
	}
	if control != nil {
		control()
	}
	wg.Wait()
	if v, ok := firstErr.Load().(string); ok {
		res.FirstError = v
	}
	return res, nil
}

// worker is one keep-alive connection.
type worker struct {
	t           Target
	index, step int // the worker's share of the cookies
	next        int // the next cookie to send, an index into t.Cookies
	conn        net.Conn
	r           *bufio.Reader
	req         []byte
	body        []byte // reused for each response's body
}

func (wk *worker) close() {
	if wk.conn != nil {
		_ = wk.conn.Close()
		wk.conn = nil
	}
}

// do sends one request and reads its response.
func (wk *worker) do() error {
	if wk.conn == nil {
		c, err := net.Dial("tcp", wk.t.Addr)
		if err != nil {
			return err
		}
		wk.conn, wk.r = c, bufio.NewReaderSize(c, 16<<10)
	}
	if wk.next < wk.index || wk.next >= len(wk.t.Cookies) {
		wk.next = wk.index
	}
	i := wk.next
	wk.next += wk.step
	wk.req = append(wk.req[:0], "GET "...)
	wk.req = append(wk.req, wk.t.Path...)
	wk.req = append(wk.req, " HTTP/1.1\r\nHost: bench\r\nCookie: "...)
	wk.req = append(wk.req, wk.t.CookieName...)
	wk.req = append(wk.req, '=')
	wk.req = append(wk.req, wk.t.Cookies[i]...)
	wk.req = append(wk.req, "\r\n\r\n"...)
	if _, err := wk.conn.Write(wk.req); err != nil {
		return err
	}
	resp, err := ReadResponse(wk.r, wk.t.CookieName, wk.body[:0])
	if err != nil {
		return err
	}
	wk.body = resp.Body
	if resp.Close {
		wk.close()
	}
	if resp.Status != 200 {
		return fmt.Errorf("%s: status %d: %.200s", wk.t.Path, resp.Status, resp.Body)
	}
	if wk.t.Follow {
		if resp.Cookie == "" {
			return fmt.Errorf("%s: no new session cookie", wk.t.Path)
		}
		wk.t.Cookies[i] = resp.Cookie
	}
	return nil
}

// Response is the part of an HTTP response the load generator looks at.
type Response struct {
	Status int
	Cookie string // the value of the last Set-Cookie of the cookie asked for that has a value
	Close  bool   // the server closes the connection
	Body   []byte
}

// ReadResponse reads one HTTP/1.1 response from r: a body with a
// Content-Length, or chunked. cookieName selects the Set-Cookie to report.
// The body's first bytes are appended to body.
func ReadResponse(r *bufio.Reader, cookieName string, body []byte) (Response, error) {
	resp := Response{Body: body}
	line, err := r.ReadSlice('\n')
	if err != nil {
		return resp, err
	}
	if len(line) < 12 || !bytes.HasPrefix(line, []byte("HTTP/1.")) {
		return resp, fmt.Errorf("loadgen: bad status line %q", line)
	}
	if resp.Status, err = strconv.Atoi(string(line[9:12])); err != nil {
		return resp, fmt.Errorf("loadgen: bad status line %q", line)
	}
	length, chunked := -1, false
	for {
		line, err := r.ReadSlice('\n')
		if err != nil {
			return resp, err
		}
		line = bytes.TrimRight(line, "\r\n")
		if len(line) == 0 {
			break
		}
		colon := bytes.IndexByte(line, ':')
		if colon < 0 {
			continue
		}
		name, value := line[:colon], bytes.TrimSpace(line[colon+1:])
		switch {
		case bytes.EqualFold(name, []byte("Content-Length")):
			if length, err = strconv.Atoi(string(value)); err != nil {
				return resp, fmt.Errorf("loadgen: bad Content-Length %q", value)
			}
		case bytes.EqualFold(name, []byte("Transfer-Encoding")):
			chunked = bytes.EqualFold(value, []byte("chunked"))
		case bytes.EqualFold(name, []byte("Connection")):
			resp.Close = bytes.EqualFold(value, []byte("close"))
		case bytes.EqualFold(name, []byte("Set-Cookie")) && cookieName != "":
			if v, ok := cookieValue(value, cookieName); ok && v != "" {
				resp.Cookie = v
			}
		}
	}
	switch {
	case chunked:
		for {
			line, err := r.ReadSlice('\n')
			if err != nil {
				return resp, err
			}
			size, err := strconv.ParseInt(string(bytes.TrimRight(line, "\r\n")), 16, 64)
			if err != nil {
				return resp, fmt.Errorf("loadgen: bad chunk size %q", line)
			}
			if size == 0 {
				_, err := r.Discard(2)
				return resp, err
			}
			if err := readBody(r, &resp, int(size)); err != nil {
				return resp, err
			}
			if _, err := r.Discard(2); err != nil {
				return resp, err
			}
		}
	case length >= 0:
		return resp, readBody(r, &resp, length)
	}
	return resp, errors.New("loadgen: response without Content-Length")
}

// readBody reads n bytes of body, keeping the first bytes for error
// messages and tests.
func readBody(r *bufio.Reader, resp *Response, n int) error {
	const keep = 4 << 10
	for n > 0 {
		chunk := min(n, r.Size())
		b, err := r.Peek(chunk)
		if err != nil {
			if errors.Is(err, io.EOF) {
				err = io.ErrUnexpectedEOF
			}
			return err
		}
		if room := keep - len(resp.Body); room > 0 {
			resp.Body = append(resp.Body, b[:min(room, len(b))]...)
		}
		_, _ = r.Discard(chunk)
		n -= chunk
	}
	return nil
}

// cookieValue returns the value that a Set-Cookie header gives the cookie
// name.
func cookieValue(header []byte, name string) (string, bool) {
	eq := bytes.IndexByte(header, '=')
	if eq < 0 || string(bytes.TrimSpace(header[:eq])) != name {
		return "", false
	}
	v := header[eq+1:]
	if semi := bytes.IndexByte(v, ';'); semi >= 0 {
		v = v[:semi]
	}
	return string(bytes.Trim(bytes.TrimSpace(v), `"`)), true
}
