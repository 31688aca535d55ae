// Package apikey holds the API keys of the reference server: who may call it, as which actor, in which
// tenant.
//
// # Keys
//
// A key is 32 bytes from crypto/rand, written as "rdk_" followed by 43 characters of unpadded
// base64url. It is shown once, when it is created ([Keys.Create]), and never stored: the key file keeps
// only its SHA-256 digest in hex. Because a key carries 256 random bits, a plain fast hash is the right
// tool here (a slow password hash such as bcrypt protects guessable secrets, and costs milliseconds on
// every request, which is what limits helpdesks that use it). [Keys.Authenticate] hashes the key it is
// given, finds the record by digest and confirms the match with crypto/subtle.ConstantTimeCompare, so
// neither a wrong key nor a near miss is answered faster than a right one in a way that reveals the key.
//
// Each key maps to an [Actor]: the tenant it may act in (the server takes the tenant from the key and
// nowhere else), the actor ID written into the audit trail, roles, the authorization tier the policies
// compare with, and optionally the queues it works in.
//
// # Why a file and not the database
//
// Keys live in a JSON file next to the database (redress-keys.json beside redress.db by default), not in
// the store, in this first cut of the server, because:
//
//   - keys are the server's concern, not the library's: an embedder brings its own authentication, so the
//     storage contract that every adapter must implement stays free of it;
//   - one file works the same with SQLite, PostgreSQL and the memory store, and exists before any store is
//     reachable, which is what the bootstrap key needs;
//   - operators can back it up, inspect it (it holds no secret: digests of 256-bit keys cannot be
//     reversed) and ship it with ordinary configuration tools.
//
// The price: several server replicas on one PostgreSQL database each need the file (ship it with their
// configuration). A keys table in the store is the natural next step when that hurts.
//
// # Changes while a server runs
//
// The file is replaced atomically (written to a temporary file, synced, renamed), so a reader never sees
// half a file. A running [Keys] rereads a file that changed (another file by os.SameFile, or another
// size or modification time) when it is asked for a key it does not know, so a key created with
// `redressd keys create` works at once, and at most [Config.Recheck] after any change otherwise, so a
// revoked key stops working within a second. Nothing needs a restart. Two processes changing the file
// at the same instant may lose one change; create keys one command at a time.
package apikey
