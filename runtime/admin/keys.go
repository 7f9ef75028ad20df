package admin

import (
	"bytes"
	"encoding/json"
	"slices"

	"github.com/sessiongen/sessiongen/runtime"
)

// describe returns the keys rec holds, ready to show: the declared ones
// in declaration order, then the runtime's, then those the schema does
// not know, each group by name; and the declared keys rec does not hold.
// Sensitive values are left out, never copied into the page.
func (h *Handler) describe(rec runtime.Record) (keys []keyView, unset []runtime.KeyInfo) {
	for _, name := range h.order {
		raw, ok := rec.Data[name]
		info := h.keys[name]
		if !ok {
			unset = append(unset, info)
			continue
		}
		k := keyView{Name: name, Kind: "schema", GoType: info.GoType, Doc: info.Doc, Flash: info.Flash,
			Sealed: info.Encrypted, Dropped: info.DropOnSignIn}
		if info.TTL > 0 {
			k.TTL = info.TTL.String()
		}
		if info.Sensitive || info.Encrypted {
			k.Redacted = true
		} else {
			k.Value = pretty(raw)
		}
		keys = append(keys, k)
	}
	var reserved, unknown []keyView
	for _, name := range sortedKeys(rec.Data) {
		if _, declared := h.keys[name]; declared {
			continue
		}
		k := keyView{Name: name, Value: string(rec.Data[name])}
		if runtime.IsReservedKey(name) {
			k.Kind = "runtime"
			k.Value = pretty(rec.Data[name])
			k.Note, _ = runtime.ReservedKeyDoc(name)
			if k.Note == "" {
				k.Note = "reserved for the runtime"
			}
			reserved = append(reserved, k)
			continue
		}
		k.Kind = "unknown" // shown raw, as stored
		unknown = append(unknown, k)
	}
	keys = append(keys, reserved...)
	return append(keys, unknown...), unset
}

// sortedKeys returns the keys of m in order.
func sortedKeys(m map[string]json.RawMessage) []string {
	names := make([]string, 0, len(m))
	for k := range m {
		names = append(names, k)
	}
	slices.Sort(names)
	return names
}

// pretty returns raw indented, or as it is if it is not valid JSON.
func pretty(raw json.RawMessage) string {
	var buf bytes.Buffer
	if err := json.Indent(&buf, raw, "", "  "); err != nil {
		return string(raw)
	}
	return buf.String()
}
