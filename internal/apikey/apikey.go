package apikey

import (
	"bytes"
	"crypto/rand"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"time"
)

// Prefix starts every key, so a leaked key is recognisable by secret scanners and people.
const Prefix = "rdk_"

// keyBytes is the number of random bytes in a key (256 bits).
const keyBytes = 32

// keyLen is the length of a key's text form: the prefix and 43 base64url characters.
var keyLen = len(Prefix) + base64.RawURLEncoding.EncodedLen(keyBytes)

// Errors of this package. Test with errors.Is.
var (
	// ErrUnknownKey: the key is malformed, was never issued, or was revoked. The three are not told
	// apart, so a caller learns nothing by probing.
	ErrUnknownKey = errors.New("apikey: unknown key")
	// ErrInvalidActor: an actor to create a key for lacks a tenant or an ID, or has a tier outside 1–3.
	ErrInvalidActor = errors.New("apikey: invalid actor")
	// ErrNotFound: no key with that ID (Revoke).
	ErrNotFound = errors.New("apikey: no such key")
	// ErrCorrupt: the key file exists but is not a key file this package wrote.
	ErrCorrupt = errors.New("apikey: malformed key file")
)

// Actor is who a key acts as. The server takes the tenant from here and nowhere else.
type Actor struct {
	// Tenant is the only tenant the key can read or change.
	Tenant string `json:"tenant"`
	// ID is written into the audit trail as the actor of every change made with the key
	// (for example "agent:li").
	ID string `json:"actor"`
	// Roles are free-form role names policies may check (agent, supervisor, admin, ...).
	Roles []string `json:"roles,omitempty"`
	// Tier is the authorization tier: 1 front line, 2 experts, 3 special team.
	Tier int `json:"tier"`
	// Queues, when set, are the queues the actor works in; the server limits listing and assignment to
	// them. Empty means every queue.
	Queues []string `json:"queues,omitempty"`
}

// HasRole reports whether the actor holds role r.
func (a Actor) HasRole(r string) bool { return slices.Contains(a.Roles, r) }

// InQueue reports whether the actor may work in queue q: true when the actor is not limited to queues.
func (a Actor) InQueue(q string) bool { return len(a.Queues) == 0 || slices.Contains(a.Queues, q) }

// Validate returns an error matching [ErrInvalidActor] naming what is missing or wrong.
func (a Actor) Validate() error {
	var probs []string
	if strings.TrimSpace(a.Tenant) == "" {
		probs = append(probs, "tenant is empty")
	}
	if strings.TrimSpace(a.ID) == "" {
		probs = append(probs, "actor ID is empty")
	}
	if a.Tier < 1 || a.Tier > 3 {
		probs = append(probs, fmt.Sprintf("tier %d is outside 1–3", a.Tier))
	}
	if slices.Contains(a.Roles, "") {
		probs = append(probs, "a role is empty")
	}
	if slices.Contains(a.Queues, "") {
		probs = append(probs, "a queue is empty")
	}
	if len(probs) > 0 {
		return fmt.Errorf("%w: %s", ErrInvalidActor, strings.Join(probs, "; "))
	}
	return nil
}

// Record is what the key file keeps about one key: never the key itself.
type Record struct {
	// ID names the key in listings and for revocation. It is the first 16 hex digits of the digest,
	// which says nothing about the key.
	ID string `json:"id"`
	// Digest is the hex SHA-256 of the key's text form.
	Digest string `json:"sha256"`
	Actor
	CreatedAt time.Time `json:"created_at"`
}

// Config tunes [Open]. The zero value works.
type Config struct {
	// Random feeds new keys. Default crypto/rand.Reader; replace it only in tests.
	Random io.Reader
	// Now stamps new records and paces re-reading the file. Default time.Now.
	Now func() time.Time
	// Recheck is how often, at most, Authenticate looks whether the file changed on disk. Zero means
	// one second; negative never rechecks (Reload still works).
	Recheck time.Duration
}

// Keys is the set of keys in one key file. It is safe for concurrent use.
type Keys struct {
	path string
	cfg  Config

	mu       sync.RWMutex
	records  []Record
	byDigest map[[sha256.Size]byte]int // index into records
	stamp    fileStamp
	checked  time.Time
}

// fileStamp identifies one version of the file: writers replace it by renaming a new file over it, so
// a new version is a different file (os.SameFile), and an edit in place changes size or time.
type fileStamp struct {
	fi fs.FileInfo // nil when the file does not exist
}

func (a fileStamp) same(b fileStamp) bool {
	if a.fi == nil || b.fi == nil {
		return a.fi == nil && b.fi == nil
	}
	return os.SameFile(a.fi, b.fi) && a.fi.Size() == b.fi.Size() && a.fi.ModTime().Equal(b.fi.ModTime())
}

type fileFormat struct {
	Version int      `json:"version"`
	Keys    []Record `json:"keys"`
}

// Open reads the key file at path. A missing file is an empty key set (the file is written by the first
// Create). A file that is not a key file is an error matching [ErrCorrupt].
func Open(path string, cfg Config) (*Keys, error) {
	if cfg.Random == nil {
		cfg.Random = rand.Reader
	}
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	if cfg.Recheck == 0 {
		cfg.Recheck = time.Second
	}
	k := &Keys{path: path, cfg: cfg}
	if err := k.Reload(); err != nil {
		return nil, err
	}
	return k, nil
}

// Path returns the key file's path.
func (k *Keys) Path() string { return k.path }

// Reload reads the file again. The server calls it on SIGHUP; Authenticate also reloads by itself when
// the file changed (see Config.Recheck). A file that fails to parse leaves the keys in use unchanged
// and returns an error matching [ErrCorrupt].
func (k *Keys) Reload() error {
	k.mu.Lock()
	defer k.mu.Unlock()
	return k.reloadLocked()
}

func (k *Keys) reloadLocked() error {
	st, err := statFile(k.path)
	if err != nil {
		return err
	}
	k.checked = k.cfg.Now()
	if st.fi == nil {
		k.install(nil, st)
		return nil
	}
	raw, err := os.ReadFile(k.path)
	if err != nil {
		return fmt.Errorf("apikey: read %s: %w", k.path, err)
	}
	recs, err := parse(raw)
	if err != nil {
		return fmt.Errorf("%w: %s: %v", ErrCorrupt, k.path, err)
	}
	k.install(recs, st)
	return nil
}

func statFile(path string) (fileStamp, error) {
	fi, err := os.Stat(path)
	if errors.Is(err, fs.ErrNotExist) {
		return fileStamp{}, nil
	}
	if err != nil {
		return fileStamp{}, fmt.Errorf("apikey: %w", err)
	}
	return fileStamp{fi: fi}, nil
}

func parse(raw []byte) ([]Record, error) {
	dec := json.NewDecoder(bytes.NewReader(raw))
	dec.DisallowUnknownFields()
	var f fileFormat
	if err := dec.Decode(&f); err != nil {
		return nil, err
	}
	if f.Version != 1 {
		return nil, fmt.Errorf("version %d, this server reads version 1", f.Version)
	}
	seen := map[string]bool{}
	for i, r := range f.Keys {
		d, err := hex.DecodeString(r.Digest)
		if err != nil || len(d) != sha256.Size {
			return nil, fmt.Errorf("key %d: sha256 is not 64 hex digits", i)
		}
		if r.ID != r.Digest[:16] {
			return nil, fmt.Errorf("key %d: id %q does not match its digest", i, r.ID)
		}
		if seen[r.ID] {
			return nil, fmt.Errorf("key %d: id %s appears twice", i, r.ID)
		}
		seen[r.ID] = true
		if err := r.Actor.Validate(); err != nil {
			return nil, fmt.Errorf("key %s: %v", r.ID, err)
		}
	}
	return f.Keys, nil
}

func (k *Keys) install(recs []Record, st fileStamp) {
	k.records = recs
	k.byDigest = make(map[[sha256.Size]byte]int, len(recs))
	for i, r := range recs {
		var d [sha256.Size]byte
		hex.Decode(d[:], []byte(r.Digest)) // checked by parse or built by Create
		k.byDigest[d] = i
	}
	k.stamp = st
}

// maybeReload reloads the file when it changed on disk. Unless force is set it looks at most once per
// Recheck. It reports whether it installed a new version. A failed reload keeps the keys in use: a
// half-edited file must not lock everyone out.
func (k *Keys) maybeReload(force bool) bool {
	if k.cfg.Recheck < 0 {
		return false
	}
	now := k.cfg.Now()
	if !force {
		k.mu.RLock()
		due := now.Sub(k.checked) >= k.cfg.Recheck
		k.mu.RUnlock()
		if !due {
			return false
		}
	}
	k.mu.Lock()
	defer k.mu.Unlock()
	if !force && now.Sub(k.checked) < k.cfg.Recheck {
		return false // another caller just looked
	}
	k.checked = now
	st, err := statFile(k.path)
	if err != nil || st.same(k.stamp) {
		return false
	}
	return k.reloadLocked() == nil
}

// Authenticate returns the actor of key, or [ErrUnknownKey].
//
// A key created by another process (`redressd keys create`) works at once: a key that is not found
// makes Authenticate look at the file again. A revoked key stops working within Config.Recheck.
func (k *Keys) Authenticate(key string) (Actor, error) {
	if len(key) != keyLen || !strings.HasPrefix(key, Prefix) {
		return Actor{}, ErrUnknownKey
	}
	k.maybeReload(false)
	d := sha256.Sum256([]byte(key))
	if a, ok := k.lookup(d); ok {
		return a, nil
	}
	// Unknown here: perhaps just created elsewhere. A stat per unknown key is cheap, and a flood of
	// bad keys reloads nothing unless the file really changed.
	if k.maybeReload(true) {
		if a, ok := k.lookup(d); ok {
			return a, nil
		}
	}
	return Actor{}, ErrUnknownKey
}

func (k *Keys) lookup(d [sha256.Size]byte) (Actor, bool) {
	k.mu.RLock()
	defer k.mu.RUnlock()
	// The map finds the candidate by the digest of the presented key (an attacker cannot steer a
	// digest, so the lookup's timing says nothing about stored keys); the constant-time comparison
	// then confirms it.
	i, ok := k.byDigest[d]
	if !ok {
		return Actor{}, false
	}
	var stored [sha256.Size]byte
	hex.Decode(stored[:], []byte(k.records[i].Digest))
	if subtle.ConstantTimeCompare(stored[:], d[:]) != 1 {
		return Actor{}, false
	}
	return cloneActor(k.records[i].Actor), true
}

func cloneActor(a Actor) Actor {
	a.Roles = slices.Clone(a.Roles)
	a.Queues = slices.Clone(a.Queues)
	return a
}

// Len returns the number of keys.
func (k *Keys) Len() int {
	k.mu.RLock()
	defer k.mu.RUnlock()
	return len(k.records)
}

// List returns the records, oldest first. They hold no secret.
func (k *Keys) List() []Record {
	k.mu.RLock()
	defer k.mu.RUnlock()
	out := make([]Record, len(k.records))
	for i, r := range k.records {
		r.Actor = cloneActor(r.Actor)
		out[i] = r
	}
	return out
}

// Create issues a new key for a and writes its digest to the file. The returned key is the only copy:
// show it to the user once. It returns an error matching [ErrInvalidActor] for a bad actor, or the
// error of writing the file (in which case no key was issued).
func (k *Keys) Create(a Actor) (string, Record, error) {
	if err := a.Validate(); err != nil {
		return "", Record{}, err
	}
	var raw [keyBytes]byte
	if _, err := io.ReadFull(k.cfg.Random, raw[:]); err != nil {
		return "", Record{}, fmt.Errorf("apikey: random: %w", err)
	}
	key := Prefix + base64.RawURLEncoding.EncodeToString(raw[:])
	sum := sha256.Sum256([]byte(key))
	digest := hex.EncodeToString(sum[:])
	rec := Record{ID: digest[:16], Digest: digest, Actor: cloneActor(a), CreatedAt: k.cfg.Now().UTC().Truncate(time.Second)}

	k.mu.Lock()
	defer k.mu.Unlock()
	// Start from the file as it is now, so keys another process added are kept.
	if err := k.reloadLocked(); err != nil {
		return "", Record{}, err
	}
	if _, dup := k.byDigest[sum]; dup {
		return "", Record{}, errors.New("apikey: random source repeated a key") // only a broken Random
	}
	recs := append(slices.Clone(k.records), rec)
	if err := k.writeLocked(recs); err != nil {
		return "", Record{}, err
	}
	return key, rec, nil
}

// Revoke removes the key with the given ID (see Record.ID) from the file; it stops working at once in
// this process and within Config.Recheck in a server reading the same file. It returns [ErrNotFound]
// when no key has that ID.
func (k *Keys) Revoke(id string) error {
	k.mu.Lock()
	defer k.mu.Unlock()
	if err := k.reloadLocked(); err != nil {
		return err
	}
	i := slices.IndexFunc(k.records, func(r Record) bool { return r.ID == id })
	if i < 0 {
		return fmt.Errorf("%w: %q", ErrNotFound, id)
	}
	return k.writeLocked(slices.Delete(slices.Clone(k.records), i, i+1))
}

// writeLocked replaces the file atomically with recs and installs them.
func (k *Keys) writeLocked(recs []Record) error {
	if recs == nil {
		recs = []Record{}
	}
	raw, err := json.MarshalIndent(fileFormat{Version: 1, Keys: recs}, "", "  ")
	if err != nil {
		return fmt.Errorf("apikey: encode: %w", err)
	}
	raw = append(raw, '\n')
	dir := filepath.Dir(k.path)
	tmp, err := os.CreateTemp(dir, "."+filepath.Base(k.path)+".*.tmp")
	if err != nil {
		return fmt.Errorf("apikey: write %s: %w", k.path, err)
	}
	defer os.Remove(tmp.Name()) // after a successful rename there is nothing to remove
	if err := tmp.Chmod(0o600); err != nil {
		tmp.Close()
		return fmt.Errorf("apikey: write %s: %w", k.path, err)
	}
	if _, err := tmp.Write(raw); err != nil {
		tmp.Close()
		return fmt.Errorf("apikey: write %s: %w", k.path, err)
	}
	if err := tmp.Sync(); err != nil {
		tmp.Close()
		return fmt.Errorf("apikey: write %s: %w", k.path, err)
	}
	if err := tmp.Close(); err != nil {
		return fmt.Errorf("apikey: write %s: %w", k.path, err)
	}
	if err := os.Rename(tmp.Name(), k.path); err != nil {
		return fmt.Errorf("apikey: write %s: %w", k.path, err)
	}
	if d, err := os.Open(dir); err == nil {
		_ = d.Sync() // make the rename durable where the platform allows it
		d.Close()
	}
	st, err := statFile(k.path)
	if err != nil {
		return err
	}
	k.install(recs, st)
	return nil
}
