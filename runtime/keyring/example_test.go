package keyring_test

import (
	"fmt"
	"log"
	"net/http"
	"os"

	"github.com/sessiongen/sessiongen/runtime"
	"github.com/sessiongen/sessiongen/runtime/keyring"
	"github.com/sessiongen/sessiongen/runtime/memstore"
)

// A ring read from its text form, as an application reads it from the
// environment: the first key seals, the second still opens what it sealed
// before the rotation.
func Example() {
	ring, err := keyring.Parse("X/VH3fyR3aUPwTvkNHqkrYQO3vW5ecQ9NvM1IdUlGfI=, 3mUTSC3KAIJnrvwHc8aDgMyCo0RJyP+4bmfsr2DFAbs=")
	if err != nil {
		log.Fatal(err)
	}
	sealed := ring.Seal("api_token", []byte(`"tok_123"`))
	plaintext, key, err := ring.Open("api_token", sealed)
	fmt.Println(string(plaintext), key, err)
	_, _, err = ring.Open("other_key", sealed)
	fmt.Println(err)
	// Output:
	// "tok_123" 0 <nil>
	// keyring: no key of the ring opens the value
}

// A manager that seals the values of the keys sessions.yaml marks
// encrypted under the ring in $SESSION_KEYS: the keys in base64, newest
// first, separated by commas (make one with openssl rand -base64 32).
func Example_manager() {
	ring, err := keyring.Parse(os.Getenv("SESSION_KEYS"))
	if err != nil {
		log.Fatal(err)
	}
	store := memstore.New() // or pgstore.New(pool)
	mgr, err := runtime.NewManager(store, runtime.WithKeyRing(ring))
	if err != nil {
		log.Fatal(err)
	}
	log.Fatal(http.ListenAndServe("localhost:8080", mgr.Middleware(http.NotFoundHandler())))
}
