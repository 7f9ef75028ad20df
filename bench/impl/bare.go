package impl

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"errors"
	"net/http"
	"time"

	"github.com/jackc/pgx/v5"
)

// bareTable keeps a session as one JSON blob under the SHA-256 of its
// token, as sessiongen does, but in a bytea column that PostgreSQL never
// parses.
var bareTable = blobTable("bare_sessions", "token_hash", "BYTEA", "expires_at")

const (
	bareCookie = "sid"
	bareLoad   = `SELECT data FROM bare_sessions WHERE token_hash = $1 AND expires_at > now()`
	bareUpsert = `INSERT INTO bare_sessions (token_hash, data, expires_at) VALUES ($1, $2, $3)
ON CONFLICT (token_hash) DO UPDATE SET data = excluded.data, expires_at = excluded.expires_at`
	bareMove = `UPDATE bare_sessions SET token_hash = $1, data = $2, expires_at = $3
WHERE token_hash = $4 AND expires_at > now()`
)

// smallData is the small session, as a hand-written handler would type it.
type smallData struct {
	Count  int    `json:"count"`
	Name   string `json:"name"`
	UserID int64  `json:"user_id,omitempty"`
}

// bareImpl is the floor: net/http and pgx doing by hand only what a
// session needs. A request that ignores the session does nothing; a read
// is one primary-key SELECT and a decode of the whole blob; a write adds an
// encode of the whole blob and one UPSERT; /login moves the row to a new
// token hash in one UPDATE. There is no lazy middleware, no change
// tracking, no protection against resurrecting a deleted session.
type bareImpl struct{ pooled }

func newBare(ctx context.Context, cfg Config) (*bareImpl, error) {
	pool, err := newPool(ctx, cfg, "", createTables(bareTable))
	if err != nil {
		return nil, err
	}
	b := &bareImpl{pooled{pool: pool}}
	mux := http.NewServeMux()
	mux.HandleFunc("/nosession", func(w http.ResponseWriter, r *http.Request) {
		writeOK(w)
	})
	mux.HandleFunc("/read", handle(func(w http.ResponseWriter, r *http.Request) error {
		d, _, err := b.loadSmall(r)
		if err != nil {
			return err
		}
		writeRead(w, d.Name, d.Count)
		return nil
	}))
	mux.HandleFunc("/write", handle(func(w http.ResponseWriter, r *http.Request) error {
		d, h, err := b.loadSmall(r)
		if err != nil {
			return err
		}
		d.Count++
		if err := b.save(r.Context(), w, h, d); err != nil {
			return err
		}
		writeInt(w, d.Count)
		return nil
	}))
	mux.HandleFunc("/read-large", handle(func(w http.ResponseWriter, r *http.Request) error {
		d, _, err := b.loadLarge(r)
		if err != nil {
			return err
		}
		writeLarge(w, d["k00"], d["k49"])
		return nil
	}))
	mux.HandleFunc("/write-large", handle(func(w http.ResponseWriter, r *http.Request) error {
		d, h, err := b.loadLarge(r)
		if err != nil {
			return err
		}
		if d == nil {
			d = map[string]string{}
		}
		v := nextLargeValue()
		d["k00"] = v
		if err := b.save(r.Context(), w, h, d); err != nil {
			return err
		}
		_, _ = w.Write([]byte(v))
		return nil
	}))
	mux.HandleFunc("/login", handle(func(w http.ResponseWriter, r *http.Request) error {
		d, old, err := b.loadSmall(r)
		if err != nil {
			return err
		}
		d.UserID = LoginUserID
		if old == nil {
			if err := b.save(r.Context(), w, nil, d); err != nil {
				return err
			}
			writeOK(w)
			return nil
		}
		data, err := json.Marshal(d)
		if err != nil {
			return err
		}
		token, h := bareToken()
		expires := time.Now().Add(Lifetime)
		tag, err := b.pool.Exec(r.Context(), bareMove, h, data, expires, old)
		if err == nil && tag.RowsAffected() == 0 {
			err = errors.New("session deleted meanwhile")
		}
		if err != nil {
			return err
		}
		bareSetCookie(w, token, expires)
		writeOK(w)
		return nil
	}))
	mux.HandleFunc("/seed-small", handle(func(w http.ResponseWriter, r *http.Request) error {
		if err := b.save(r.Context(), w, nil, &smallData{Name: SmallName}); err != nil {
			return err
		}
		writeOK(w)
		return nil
	}))
	mux.HandleFunc("/seed-large", handle(func(w http.ResponseWriter, r *http.Request) error {
		d := make(map[string]string, NumLargeKeys)
		for i := range NumLargeKeys {
			d[LargeKey(i)] = LargeValue(i)
		}
		if err := b.save(r.Context(), w, nil, d); err != nil {
			return err
		}
		writeOK(w)
		return nil
	}))
	b.h = mux
	return b, nil
}

// loadSmall returns the small session that the request's cookie names and
// its token hash: an empty session, and a nil hash, when there is no such
// live session.
func (b *bareImpl) loadSmall(r *http.Request) (*smallData, []byte, error) {
	d := new(smallData)
	hash, err := b.load(r, d)
	return d, hash, err
}

// loadLarge is loadSmall for the large session: nil, and a nil hash, when
// there is no such live session.
func (b *bareImpl) loadLarge(r *http.Request) (map[string]string, []byte, error) {
	var d map[string]string
	hash, err := b.load(r, &d)
	return d, hash, err
}

// load decodes the session that the request's cookie names into v and
// returns its token hash; v is left alone, and the hash nil, when there is
// no such live session.
func (b *bareImpl) load(r *http.Request, v any) (hash []byte, err error) {
	c, err := r.Cookie(bareCookie)
	if err != nil {
		return nil, nil
	}
	var raw [32]byte
	if n, err := base64.RawURLEncoding.Decode(raw[:], []byte(c.Value)); err != nil || n != len(raw) {
		return nil, nil
	}
	sum := sha256.Sum256([]byte(c.Value))
	var data []byte
	err = b.pool.QueryRow(r.Context(), bareLoad, sum[:]).Scan(&data)
	if errors.Is(err, pgx.ErrNoRows) {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	return sum[:], json.Unmarshal(data, v)
}

// save writes v, whole, under hash (a new token when hash is nil) and sets
// the cookie.
func (b *bareImpl) save(ctx context.Context, w http.ResponseWriter, hash []byte, v any) error {
	data, err := json.Marshal(v)
	if err != nil {
		return err
	}
	var token string
	if hash == nil {
		token, hash = bareToken()
	}
	expires := time.Now().Add(Lifetime)
	if _, err := b.pool.Exec(ctx, bareUpsert, hash, data, expires); err != nil {
		return err
	}
	if token != "" {
		bareSetCookie(w, token, expires)
	}
	return nil
}

// bareToken returns a new token and its hash.
func bareToken() (string, []byte) {
	var raw [32]byte
	_, _ = rand.Read(raw[:])
	token := base64.RawURLEncoding.EncodeToString(raw[:])
	sum := sha256.Sum256([]byte(token))
	return token, sum[:]
}

func bareSetCookie(w http.ResponseWriter, token string, expires time.Time) {
	http.SetCookie(w, &http.Cookie{
		Name: bareCookie, Value: token, Path: "/", Expires: expires, MaxAge: int(Lifetime.Seconds()),
		HttpOnly: true, SameSite: http.SameSiteLaxMode,
	})
}

func (x *bareImpl) CookieName() string { return bareCookie }
func (x *bareImpl) Table() string      { return "bare_sessions" }
