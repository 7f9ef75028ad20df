package memstore_test

import (
	"testing"

	"github.com/sessiongen/sessiongen/runtime/memstore"
	"github.com/sessiongen/sessiongen/runtime/storetest"
)

func TestEvents(t *testing.T) {
	t.Parallel()
	s := memstore.New()
	d := storetest.RunEvents(t, s, s)
	t.Logf("delivery under concurrent publishing: %+v", d)
}
