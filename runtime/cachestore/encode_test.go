package cachestore

import (
	"encoding/json"
	"errors"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/sessiongen/sessiongen/runtime"
)

func TestEncodeRoundTrip(t *testing.T) {
	t.Parallel()
	now := time.Now()
	tests := []struct {
		name string
		rec  runtime.Record
	}{
		{"Empty", runtime.Record{Data: map[string]json.RawMessage{}}},
		{"Full", runtime.Record{
			Data:      map[string]json.RawMessage{"a": json.RawMessage(`1`), "cart_items": json.RawMessage(`[1,2,3]`), "": json.RawMessage(`""`)},
			ExpiresAt: now.Add(time.Hour), CreatedAt: now.Add(-time.Hour), UpdatedAt: now,
			UserID: "user-42", UserAgent: "Mozilla/5.0 (Ünïcode)", Version: 1 << 40,
		}},
		{"BeforeTheEpoch", runtime.Record{Data: map[string]json.RawMessage{}, ExpiresAt: time.Date(1900, 1, 1, 0, 0, 0, 1, time.UTC)}},
		{"Large", runtime.Record{Data: map[string]json.RawMessage{"blob": json.RawMessage(`"` + strings.Repeat("x", 1<<20) + `"`)}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			got, err := decodeRecord(encodeRecord(tt.rec))
			if err != nil {
				t.Fatal(err)
			}
			for _, p := range [][2]time.Time{{got.ExpiresAt, tt.rec.ExpiresAt}, {got.CreatedAt, tt.rec.CreatedAt}, {got.UpdatedAt, tt.rec.UpdatedAt}} {
				if !p[0].Equal(p[1]) {
					t.Errorf("time %v, want %v", p[0], p[1])
				}
			}
			got.ExpiresAt, got.CreatedAt, got.UpdatedAt = tt.rec.ExpiresAt, tt.rec.CreatedAt, tt.rec.UpdatedAt
			if !reflect.DeepEqual(got, tt.rec) {
				t.Errorf("decoded %+v, want %+v", got, tt.rec)
			}
		})
	}
}

func TestDecodeRejectsOtherFormats(t *testing.T) {
	t.Parallel()
	good := encodeRecord(runtime.Record{
		Data: map[string]json.RawMessage{"a": json.RawMessage(`"value"`)}, UserID: "u", UserAgent: "ua",
		ExpiresAt: time.Now(),
	})
	tests := map[string][]byte{
		"Empty":         {},
		"OtherVersion":  append([]byte{formatVersion + 1}, good[1:]...),
		"TrailingBytes": append(append([]byte{}, good...), 0),
		"HugeCount":     append(append([]byte{}, good[:len(good)-len(`a`)-len(`"value"`)-3]...), 0xff, 0xff, 0xff, 0xff, 0x0f),
	}
	for i := 1; i < len(good); i++ {
		tests["TruncatedAt"+string(rune('A'+i%26))+string(rune('a'+i/26))] = good[:i]
	}
	for name, b := range tests {
		if _, err := decodeRecord(b); !errors.Is(err, errFormat) {
			t.Errorf("%s: decode = %v, want errFormat", name, err)
		}
	}
}

func TestDecodedDataIsTheCallers(t *testing.T) {
	t.Parallel()
	b := encodeRecord(runtime.Record{Data: map[string]json.RawMessage{"a": json.RawMessage(`"value"`)}})
	rec, err := decodeRecord(b)
	if err != nil {
		t.Fatal(err)
	}
	for i := range rec.Data["a"] {
		rec.Data["a"][i] = 'x'
	}
	again, err := decodeRecord(b)
	if err != nil || string(again.Data["a"]) != `"value"` {
		t.Fatalf("the entry changed with the decoded data: %s, %v", again.Data["a"], err)
	}
}
