package impl

import (
	"fmt"
	"net/http"
	"net/http/httptest"
	"sync"
)

// Seed creates n sessions through the handler's seed route ("/seed-small"
// or "/seed-large"), in process, with the given number of goroutines, and
// returns their cookie values.
func Seed(x Impl, route string, n, workers int) ([]string, error) {
	cookies := make([]string, n)
	errs := make([]error, workers)
	var wg sync.WaitGroup
	for w := range workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := w; i < n; i += workers {
				c, err := NewSession(x, route)
				if err != nil {
					errs[w] = err
					return
				}
				cookies[i] = c
			}
		}()
	}
	wg.Wait()
	for _, err := range errs {
		if err != nil {
			return nil, err
		}
	}
	return cookies, nil
}

// NewSession creates one session through route and returns its cookie
// value.
func NewSession(x Impl, route string) (string, error) {
	rec := httptest.NewRecorder()
	x.Handler().ServeHTTP(rec, httptest.NewRequest(http.MethodGet, route, nil))
	res := rec.Result()
	if res.StatusCode != http.StatusOK {
		return "", fmt.Errorf("%s: status %d: %s", route, res.StatusCode, rec.Body)
	}
	value := ""
	for _, c := range res.Cookies() {
		if c.Name == x.CookieName() && c.Value != "" {
			value = c.Value
		}
	}
	if value == "" {
		return "", fmt.Errorf("%s: no %s cookie", route, x.CookieName())
	}
	return value, nil
}
