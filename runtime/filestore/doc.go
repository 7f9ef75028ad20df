// Package filestore keeps sessions in files, one per session, under a
// directory the application names: Django's file engine
// (django.contrib.sessions.backends.file, SESSION_FILE_PATH). It needs no
// database, and sessions outlast restarts: the store for an application
// that runs on one server.
//
//	store, err := filestore.New("/var/lib/shop/sessions") // must exist and be writable
//	...
//	mgr, err := runtime.NewManager(store)
//
// It keeps the whole Store contract, as package pgstore does, and passes
// runtime/storetest: per-key writes, no resurrection of a deleted or
// expired session, conditional writes (a Change's Expect, compared as
// JSON), the size bound (its MaxSize) checked in the write, atomic key
// cycling, and the values every store refuses. It does not version its
// sessions: Change.Version and Change.Data are ignored, and Record.Version
// is 0. A *Store is a runtime.AdminStore (the manager, the admin page, the
// janitor and a "your devices" page can share it) and a
// runtime.KeyDeleter.
//
// # Files
//
// The file of a session is named by the SHA-256 of its token in lowercase
// hexadecimal (runtime.TokenHash.String), never by the token, so a copy of
// the directory lets no one in. It holds a header line (the format's name
// "sessiongen-filestore", its version, and the length and CRC-32C of the
// rest) and then the session as one JSON object: its expiry, creation and
// last-save times, user, user agent, and data. Files are created with mode
// 0600: processes that share a directory run as one user. The store reads
// only files named as it names them, and leaves any other file in the
// directory alone; its lock files are in the subdirectory .locks.
//
// # Writes
//
// Every write is atomic and durable: the new contents go to a temporary
// file in the same directory (named .tmp-*), which is synced to disk and
// renamed over the session's file, and then the directory is synced. A
// reader sees the old file or the new one, never part of one, so Load
// takes no lock. A crash leaves at most a temporary file, which
// DeleteExpired removes once it is an hour old. Cycle removes the old file
// and syncs the directory before it renames the new one into place: a
// crash in between loses the session (its user signs in again), and never
// leaves the old token valid beside the new one. A save costs two syncs to
// disk; on a disk that syncs slowly, that, not the CPU, is its time.
//
// # Locks
//
// Create, Update, Cycle and Delete take the lock of the session's file;
// Update and Cycle then read the file as it is now, check Expect and
// MaxSize against it, apply the change to it and write the result, all
// under the lock. So two requests that change different keys of a session
// both keep their change, a conditional write cannot pass on a value that
// changed, and a Delete (a sign-out) is final: an Update that comes after
// it finds no file and writes nothing. This holds across processes that
// share the directory, as two servers on one machine, or a server and a
// command, do.
//
// The locks are flock(2) locks on a fixed set of 256 lock files in .locks,
// and a session's is the one named by the first byte of its hash ("00" to
// "ff"). Lock files per session would have to be removed when their
// session goes, and a file removed while another process opens it to lock
// it lets two processes each hold "the" lock; a fixed set of files is
// never removed. Sessions that share a stripe wait for each other's
// writes, which take milliseconds. Cycle locks its two stripes in order,
// so no two callers wait on each other. Within a process, goroutines queue
// for a stripe before its file, so one process's writers wait in turn, and
// a lock held by another process is polled (from 50µs to 5ms apart), so
// that every wait ends with its context.
//
// Cycle also holds the lock file .locks/cycle shared, and
// DeleteUserSessions holds it exclusive while it scans: otherwise a
// session of the user could move to a new hash, a file the scan had not
// read yet or had read already, and survive "sign out everywhere".
//
// A sign-in with a bound on the user's sessions
// (runtime.Change.MaxUserSessions, which runtime.WithMaxSessionsPerUser
// sets) holds a user lock file, .locks/u00 to .locks/uff by the first
// byte of the SHA-256 of the user id, from before its write until it has
// deleted the user's sessions beyond the bound, least recently saved
// first, which it finds by a scan under the cycle lock, held exclusive.
// So concurrent sign-ins of one user, in any process, cannot leave more
// sessions than the bound; a crash between the write and the deletions
// leaves the user one over until the next sign-in.
//
// # Scans
//
// UserSessions, DeleteUserSessions and ListSessions read every session
// file: the store keeps no index of users, so there is no second file to
// keep consistent with the sessions across processes and crashes, at the
// cost of a scan of the directory for each "your devices" page, "sign out
// other devices" and admin page (see BenchmarkUserSessions for its time
// per session count). DeleteExpired (what package runtime/janitor runs)
// and DeleteKey read the directory a batch of entries at a time, checking
// their context between batches, and change each session under its own
// lock.
//
// # Corrupt files
//
// A file the store cannot read back as it wrote it (empty, cut short,
// damaged, of a newer format, or no session file at all, as another tool
// or a failing disk may leave) is never taken for a session, nor for the
// absence of one. Load, Create, Update, Cycle and FindSession of its
// session fail with an error wrapping ErrCorrupt that names the file and
// says what is wrong with it, and change nothing; Delete removes it. The
// scans leave it alone and log it at level Error (WithLogger), naming the
// file, and go on: it is nobody's session until it is repaired or
// removed, since Load refuses it.
//
// # Platforms
//
// The store runs where package syscall has flock(2): Linux, macOS and the
// BSDs. Elsewhere (Windows, Solaris and illumos, AIX, Plan 9, WebAssembly)
// New fails with an error wrapping errors.ErrUnsupported, rather than run
// without a lock other processes honour and lose writes when two of them
// share the directory. Share a directory between the processes of one
// machine, on a local file system: over NFS and other network file
// systems, flock(2) and rename(2) may not be atomic across machines.
package filestore
