package sessionlist_test

import (
	"testing"
	"time"

	"github.com/sessiongen/sessiongen/internal/sessionlist"
	"github.com/sessiongen/sessiongen/runtime"
)

func TestPage(t *testing.T) {
	t.Parallel()
	base := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	infos := func() []runtime.SessionInfo {
		var out []runtime.SessionInfo
		for i := range 5 {
			out = append(out, runtime.SessionInfo{Hash: runtime.TokenHash{byte(i)}, CreatedAt: base.Add(time.Duration(i%3) * time.Hour)})
		}
		return out
	}
	tests := []struct {
		offset, limit int
		want          []byte // the first bytes of the page's hashes
	}{
		{0, 10, []byte{2, 1, 4, 0, 3}}, // newest first; equal times by hash
		{1, 2, []byte{1, 4}},
		{4, 2, []byte{3}},
		{5, 2, []byte{}},
	}
	for _, tt := range tests {
		page, total := sessionlist.Page(infos(), tt.offset, tt.limit)
		var got []byte
		for _, p := range page {
			got = append(got, p.Hash[0])
		}
		if total != 5 || string(got) != string(tt.want) || cap(page) != len(page) {
			t.Errorf("Page(%d, %d) = %v (cap %d), %d; want %v, 5", tt.offset, tt.limit, got, cap(page), total, tt.want)
		}
	}
	if err := sessionlist.CheckRange(-1, 1); err == nil {
		t.Error("CheckRange(-1, 1): no error")
	}
	if err := sessionlist.CheckRange(0, 0); err == nil {
		t.Error("CheckRange(0, 0): no error")
	}
}
