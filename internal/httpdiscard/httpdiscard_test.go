package httpdiscard

import (
	"net/http"
	"testing"
)

func TestKeepsOnlyTheHeader(t *testing.T) {
	w := New()
	http.SetCookie(w, &http.Cookie{Name: "sid", Value: "abc"})
	w.WriteHeader(http.StatusTeapot)
	if n, err := w.Write([]byte("body")); n != 4 || err != nil {
		t.Errorf("Write = %d, %v; want 4, nil", n, err)
	}
	if cs := w.Cookies(); len(cs) != 1 || cs[0].Name != "sid" || cs[0].Value != "abc" {
		t.Errorf("Cookies = %v; want sid=abc", cs)
	}
	w.Reset()
	if len(w.Header()) != 0 || len(w.Cookies()) != 0 {
		t.Errorf("after Reset: header %v; want it empty", w.Header())
	}
}

func TestServingAllocatesNothingOfItsOwn(t *testing.T) {
	w := New()
	body := []byte("ok")
	h := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.WriteHeader(http.StatusOK)
		_, _ = w.Write(body)
	})
	r, _ := http.NewRequest(http.MethodGet, "http://bench/", nil)
	if n := testing.AllocsPerRun(100, func() { w.Reset(); h.ServeHTTP(w, r) }); n != 0 {
		t.Errorf("%v allocations per request; want 0", n)
	}
}
