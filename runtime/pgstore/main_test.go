package pgstore_test

import (
	"testing"

	"github.com/sessiongen/sessiongen/internal/pgtest"
)

// TestMain runs the tests of both pgstore and pgstore_test: each gets
// schemas of its own in one database that pgtest drops afterwards.
func TestMain(m *testing.M) { pgtest.Main(m) }
