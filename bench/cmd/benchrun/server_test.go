package main

import "testing"

func TestListeningOn(t *testing.T) {
	for out, want := range map[string]string{
		"": "",
		"benchserver: bare listening on 127.0.0.1:4":                "",
		"benchserver: bare listening on 127.0.0.1:41234\n":          "127.0.0.1:41234",
		"a warning\nbenchserver: scs listening on [::1]:80\nmore\n": "[::1]:80",
	} {
		if got := listeningOn([]byte(out)); got != want {
			t.Errorf("listeningOn(%q) = %q, want %q", out, got, want)
		}
	}
}
