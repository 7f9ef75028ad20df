package impl

import (
	"context"
	"fmt"
	"net/http"
	"os"

	"github.com/sessiongen/sessiongen/runtime"
	"github.com/sessiongen/sessiongen/runtime/filestore"
)

// sessiongenFileImpl serves the routes as sessiongenImpl does, with the
// same generated accessors and the runtime's defaults, over a file per
// session (runtime/filestore) in cfg.Dir, or in a temporary directory of
// its own, which Close removes, when cfg.Dir is "". It makes no database
// round trips; each save writes a file and syncs it and the directory.
type sessiongenFileImpl struct {
	h      http.Handler
	store  *filestore.Store
	dir    string
	remove bool // dir is the implementation's own temporary directory
}

func newSessiongenFile(cfg Config) (*sessiongenFileImpl, error) {
	x := &sessiongenFileImpl{dir: cfg.Dir}
	if x.dir == "" {
		dir, err := os.MkdirTemp("", "bench-sessiongen-file-")
		if err != nil {
			return nil, fmt.Errorf("sessiongen-file: %w", err)
		}
		x.dir, x.remove = dir, true
	}
	store, err := filestore.New(x.dir)
	if err == nil {
		x.store = store
		x.h, err = sessiongenHandler(store)
	}
	if err != nil {
		x.Close()
		return nil, err
	}
	return x, nil
}

func (x *sessiongenFileImpl) Handler() http.Handler { return x.h }
func (x *sessiongenFileImpl) CookieName() string    { return runtime.DefaultCookieName }
func (x *sessiongenFileImpl) Table() string         { return "" }

// Close removes the directory if the implementation made it.
func (x *sessiongenFileImpl) Close() {
	if x.remove {
		_ = os.RemoveAll(x.dir)
	}
}

// empty deletes every session in the directory, through the store's own
// listing.
func (x *sessiongenFileImpl) empty(ctx context.Context) error {
	for {
		page, _, err := x.store.ListSessions(ctx, "", 0, 1000)
		if err != nil || len(page) == 0 {
			return err
		}
		for _, info := range page {
			if err := x.store.Delete(ctx, info.Hash); err != nil {
				return err
			}
		}
	}
}
