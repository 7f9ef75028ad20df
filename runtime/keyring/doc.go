// Package keyring seals and opens session values with AES-256-GCM under a
// ring of keys, for the session keys that sessions.yaml marks encrypted.
//
// A Ring holds one or more 32-byte keys, newest first. Seal always uses the
// first; Open tries each in turn, so that a key can be rotated without
// losing what the older ones sealed:
//
//  1. add the new key at the end of the ring of every instance, so that
//     all of them can open what it seals;
//  2. move it to the front: new values are sealed with it;
//  3. run sessiongen reencrypt (or runtime.Reencrypt) with that ring, which
//     seals every stored value anew under the first key;
//  4. remove the old key.
//
// Each sealed value is bound to the name of its session key, as GCM's
// additional data: a value sealed for one key does not open as another's,
// so a sealed value cannot be moved to another key by someone who can write
// to the session table.
//
// A ring is usually read from the environment with Parse, as the keys in
// base64 separated by commas:
//
//	ring, err := keyring.Parse(os.Getenv("SESSION_KEYS"))
//
// and a key made with openssl rand -base64 32. Each Seal draws a random
// 96-bit nonce; GCM's bound for random nonces is 2^32 values sealed under
// one key, which a yearly rotation stays under as long as the site writes
// fewer than a hundred encrypted values a second.
package keyring
