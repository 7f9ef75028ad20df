package pgstore

import (
	"errors"
	"fmt"

	"github.com/jackc/pgx/v5/pgconn"

	"github.com/sessiongen/sessiongen/runtime"
)

// refusedValueCodes are the SQLSTATEs with which PostgreSQL refuses, as
// jsonb, a JSON value that encoding/json accepts. Found by trying them on
// PostgreSQL 15; the tests try each again.
var refusedValueCodes = []string{
	"22P05", // untranslatable_character: the escape \u0000
	"22P02", // invalid_text_representation: a lone UTF-16 surrogate, \ud800 or \udc00
	"22021", // character_not_in_repertoire: bytes that are not UTF-8
	"22003", // numeric_value_out_of_range: a number outside numeric's range, such as 1e1000000
}

// refusedValue returns err wrapping runtime.ErrInvalidValue too when it is
// PostgreSQL refusing a value of the statement, so that the middleware
// answers a value it cannot keep as the application's error, not as an
// unavailable database. Every other error is returned as it is.
func refusedValue(err error) error {
	var pgErr *pgconn.PgError
	if !errors.As(err, &pgErr) {
		return err
	}
	for _, code := range refusedValueCodes {
		if pgErr.Code == code {
			return fmt.Errorf("%w: %w", runtime.ErrInvalidValue, err)
		}
	}
	return err
}
