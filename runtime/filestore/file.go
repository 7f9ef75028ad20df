package filestore

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"hash/crc32"
	"os"
	"strconv"
	"strings"
	"time"

	"github.com/sessiongen/sessiongen/runtime"
)

// ErrCorrupt is wrapped by the error of an operation that found a session
// file it cannot read back as this package wrote it: empty, cut short,
// damaged (its checksum does not match), of a newer format, or no session
// file at all. Such a file is never taken for a session, nor for the
// absence of one: Load, Create, Update, Cycle and FindSession of its
// session fail with an error that names the file and what is wrong with
// it, and the scans leave it alone and log it. Delete removes it.
var ErrCorrupt = errors.New("corrupt session file")

// magic opens the header line of every session file.
const magic = "sessiongen-filestore"

// formatVersion is the version of the file format this package writes and
// reads.
const formatVersion = 1

// tempPrefix starts the names of the files a write prepares before
// renaming one over a session's. No session file's name starts with it.
const tempPrefix = ".tmp-"

var castagnoli = crc32.MakeTable(crc32.Castagnoli)

// session is a stored session as its file holds it. The names are the
// file format's.
type session struct {
	ExpiresAt time.Time                  `json:"expires_at"`
	CreatedAt time.Time                  `json:"created_at"`
	UpdatedAt time.Time                  `json:"updated_at"`
	UserID    string                     `json:"user_id,omitempty"`
	UserAgent string                     `json:"user_agent,omitempty"`
	Data      map[string]json.RawMessage `json:"data"`
}

// record returns sess for a caller. sess was decoded for this call, so
// the caller may keep its data.
func (sess *session) record() runtime.Record {
	return runtime.Record{
		Data:      sess.Data,
		ExpiresAt: sess.ExpiresAt,
		UserID:    sess.UserID,
		UserAgent: sess.UserAgent,
		CreatedAt: sess.CreatedAt,
		UpdatedAt: sess.UpdatedAt,
	}
}

// info returns the description of sess, stored under h, for a listing.
func (sess *session) info(h runtime.TokenHash) runtime.SessionInfo {
	return runtime.SessionInfo{
		Hash: h, UserID: sess.UserID, UserAgent: sess.UserAgent,
		CreatedAt: sess.CreatedAt, UpdatedAt: sess.UpdatedAt, ExpiresAt: sess.ExpiresAt,
		Lifetime: runtime.LifetimeOf(sess.Data),
	}
}

// live reports whether sess has not expired at now.
func (sess *session) live(now time.Time) bool { return sess.ExpiresAt.After(now) }

// encode returns the contents of sess's file: a header line, with the
// format's name and version and the length and CRC-32C of the rest, and
// the session as one JSON object. Values are written as they are held
// (compacted, not HTML-escaped), so Load returns what the size bound
// counted.
func encode(sess *session) ([]byte, error) {
	var body bytes.Buffer
	enc := json.NewEncoder(&body)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(sess); err != nil {
		return nil, fmt.Errorf("encode session: %w", err)
	}
	sum := crc32.Checksum(body.Bytes(), castagnoli)
	out := make([]byte, 0, len(magic)+32+body.Len())
	out = fmt.Appendf(out, "%s %d %d %08x\n", magic, formatVersion, body.Len(), sum)
	return append(out, body.Bytes()...), nil
}

// decode reads a session file's contents, failing with an error wrapping
// ErrCorrupt, which says what is wrong, when they are not what encode
// writes.
func decode(b []byte) (*session, error) {
	if len(b) == 0 {
		return nil, corrupt("empty file")
	}
	line, body, ok := bytes.Cut(b, []byte{'\n'})
	if !ok {
		return nil, corrupt("no header line: not a session file, or cut short")
	}
	f := strings.Fields(string(line))
	if len(f) != 4 || f[0] != magic {
		return nil, corrupt("the first line %q is not a %s header", clip(line), magic)
	}
	if f[1] != strconv.Itoa(formatVersion) {
		return nil, corrupt("format version %q, and this release reads version %d only", clip([]byte(f[1])), formatVersion)
	}
	size, err1 := strconv.Atoi(f[2])
	sum, err2 := strconv.ParseUint(f[3], 16, 32)
	if err1 != nil || err2 != nil || size < 0 {
		return nil, corrupt("the header %q does not give a length and a checksum", clip(line))
	}
	switch {
	case len(body) < size:
		return nil, corrupt("cut short: %d bytes after the header, which announces %d", len(body), size)
	case len(body) > size:
		return nil, corrupt("%d bytes follow the %d the header announces", len(body)-size, size)
	case crc32.Checksum(body, castagnoli) != uint32(sum):
		return nil, corrupt("checksum mismatch: the contents were changed or damaged after they were written")
	}
	var sess session
	if err := json.Unmarshal(body, &sess); err != nil {
		return nil, corrupt("contents: %v", err)
	}
	if sess.CreatedAt.IsZero() {
		return nil, corrupt("no creation time: the contents are not a session")
	}
	if sess.Data == nil {
		sess.Data = map[string]json.RawMessage{}
	}
	return &sess, nil
}

// corrupt returns an error wrapping ErrCorrupt that says what is wrong.
func corrupt(format string, args ...any) error {
	return fmt.Errorf("%w: %s", ErrCorrupt, fmt.Sprintf(format, args...))
}

// clip returns at most the first 40 bytes of b, for a message.
func clip(b []byte) string {
	if len(b) > 40 {
		return string(b[:40]) + "..."
	}
	return string(b)
}

// readSession reads and decodes the session file at path. The error wraps
// fs.ErrNotExist when there is no such file, and ErrCorrupt, naming the
// file, when it is not a session file.
func readSession(path string) (*session, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	sess, err := decode(b)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	return sess, nil
}

// writeTemp writes b to a new file in dir, named with tempPrefix, and
// syncs it to disk, so that renaming it over a session's file replaces
// that file whole or not at all, even across a crash. It returns the new
// file's path; on failure it leaves no file behind.
func writeTemp(dir string, b []byte) (string, error) {
	f, err := os.CreateTemp(dir, tempPrefix+"*")
	if err != nil {
		return "", err
	}
	_, err = f.Write(b)
	if err == nil {
		err = f.Sync()
	}
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		_ = os.Remove(f.Name())
		return "", err
	}
	return f.Name(), nil
}

// syncDir syncs the directory dir to disk, so that the renames and
// removals made in it outlast a crash.
func syncDir(dir string) error {
	d, err := os.Open(dir)
	if err != nil {
		return err
	}
	err = d.Sync()
	if cerr := d.Close(); err == nil {
		err = cerr
	}
	return err
}

// storedTime returns t as the store keeps it: in UTC, to the microsecond
// (as PostgreSQL does, so that every store returns the same times), and
// without a monotonic clock reading.
func storedTime(t time.Time) time.Time {
	return t.UTC().Truncate(time.Microsecond)
}
