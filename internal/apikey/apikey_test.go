package apikey_test

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"pgregory.net/rapid"

	"github.com/redresshq/redress/internal/apikey"
)

// clock is a clock tests move by hand.
type clock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *clock) Now() time.Time { c.mu.Lock(); defer c.mu.Unlock(); return c.t }
func (c *clock) Advance(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.t = c.t.Add(d)
}

func newClock() *clock { return &clock{t: time.Date(2026, 11, 24, 9, 0, 0, 0, time.UTC)} }

var li = apikey.Actor{Tenant: "acme", ID: "agent:li", Roles: []string{"agent"}, Tier: 1, Queues: []string{"frontline"}}

func open(t *testing.T, path string, clk *clock) *apikey.Keys {
	t.Helper()
	k, err := apikey.Open(path, apikey.Config{Now: clk.Now})
	require.NoError(t, err)
	return k
}

func TestCreateAuthenticate(t *testing.T) {
	path := filepath.Join(t.TempDir(), "keys.json")
	k := open(t, path, newClock())
	assert.Equal(t, 0, k.Len(), "a missing file is an empty key set")

	key, rec, err := k.Create(li)
	require.NoError(t, err)
	assert.True(t, strings.HasPrefix(key, apikey.Prefix))
	assert.Len(t, key, len(apikey.Prefix)+43, "32 bytes in unpadded base64url")
	assert.Len(t, rec.Digest, 64)
	assert.Equal(t, rec.Digest[:16], rec.ID)

	got, err := k.Authenticate(key)
	require.NoError(t, err)
	assert.Equal(t, li, got)

	raw, err := os.ReadFile(path)
	require.NoError(t, err)
	assert.NotContains(t, string(raw), key, "the file never holds the key")
	assert.NotContains(t, string(raw), key[len(apikey.Prefix):])
	assert.Contains(t, string(raw), rec.Digest)
	fi, err := os.Stat(path)
	require.NoError(t, err)
	assert.Equal(t, os.FileMode(0o600), fi.Mode().Perm())

	// Another process opening the file knows the key.
	again := open(t, path, newClock())
	got, err = again.Authenticate(key)
	require.NoError(t, err)
	assert.Equal(t, li, got)
	assert.Equal(t, []apikey.Record{rec}, again.List())
}

func TestKeysAreDistinct(t *testing.T) {
	k := open(t, filepath.Join(t.TempDir(), "keys.json"), newClock())
	seen := map[string]bool{}
	for range 20 {
		key, _, err := k.Create(li)
		require.NoError(t, err)
		require.False(t, seen[key])
		seen[key] = true
	}
	for key := range seen {
		_, err := k.Authenticate(key)
		assert.NoError(t, err)
	}
	assert.Equal(t, 20, k.Len())
}

func TestAuthenticateRejects(t *testing.T) {
	k := open(t, filepath.Join(t.TempDir(), "keys.json"), newClock())
	key, _, err := k.Create(li)
	require.NoError(t, err)
	flipped := []byte(key)
	if flipped[10] == 'A' {
		flipped[10] = 'B'
	} else {
		flipped[10] = 'A'
	}
	for name, bad := range map[string]string{
		"empty":          "",
		"prefix only":    apikey.Prefix,
		"one char wrong": string(flipped),
		"no prefix":      key[len(apikey.Prefix):],
		"wrong prefix":   "xyz_" + key[len(apikey.Prefix):],
		"longer":         key + "A",
		"shorter":        key[:len(key)-1],
		"upper-cased":    strings.ToUpper(key),
		"with space":     " " + key,
	} {
		t.Run(name, func(t *testing.T) {
			_, err := k.Authenticate(bad)
			assert.ErrorIs(t, err, apikey.ErrUnknownKey)
		})
	}
}

func TestCreateRejectsInvalidActor(t *testing.T) {
	path := filepath.Join(t.TempDir(), "keys.json")
	k := open(t, path, newClock())
	for _, tc := range []struct {
		name  string
		actor apikey.Actor
		says  string
	}{
		{"no tenant", apikey.Actor{ID: "a", Tier: 1}, "tenant is empty"},
		{"no id", apikey.Actor{Tenant: "acme", Tier: 1}, "actor ID is empty"},
		{"tier 0", apikey.Actor{Tenant: "acme", ID: "a"}, "tier 0"},
		{"tier 4", apikey.Actor{Tenant: "acme", ID: "a", Tier: 4}, "tier 4"},
		{"empty role", apikey.Actor{Tenant: "acme", ID: "a", Tier: 1, Roles: []string{""}}, "role is empty"},
		{"empty queue", apikey.Actor{Tenant: "acme", ID: "a", Tier: 1, Queues: []string{""}}, "queue is empty"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			key, _, err := k.Create(tc.actor)
			require.ErrorIs(t, err, apikey.ErrInvalidActor)
			assert.Contains(t, err.Error(), tc.says)
			assert.Empty(t, key)
		})
	}
	_, err := os.Stat(path)
	assert.ErrorIs(t, err, os.ErrNotExist, "a refused key writes nothing")
}

func TestRevoke(t *testing.T) {
	path := filepath.Join(t.TempDir(), "keys.json")
	k := open(t, path, newClock())
	keep, _, err := k.Create(li)
	require.NoError(t, err)
	gone, rec, err := k.Create(apikey.Actor{Tenant: "acme", ID: "agent:wang", Tier: 2})
	require.NoError(t, err)

	require.NoError(t, k.Revoke(rec.ID))
	_, err = k.Authenticate(gone)
	assert.ErrorIs(t, err, apikey.ErrUnknownKey)
	_, err = k.Authenticate(keep)
	assert.NoError(t, err)
	assert.ErrorIs(t, k.Revoke(rec.ID), apikey.ErrNotFound)
	assert.Equal(t, 1, open(t, path, newClock()).Len())
}

// A server and a `redressd keys` command share the file: a new key works at once, a revoked one stops
// working after Recheck, and nothing needs a restart.
func TestChangesFromAnotherProcess(t *testing.T) {
	path := filepath.Join(t.TempDir(), "keys.json")
	clk := newClock()
	server := open(t, path, clk)
	cli := open(t, path, newClock())
	_, err := server.Authenticate(apikey.Prefix + strings.Repeat("A", 43))
	require.ErrorIs(t, err, apikey.ErrUnknownKey)

	key, rec, err := cli.Create(li)
	require.NoError(t, err)
	got, err := server.Authenticate(key)
	require.NoError(t, err, "an unknown key makes the server look at the file again")
	assert.Equal(t, li, got)

	require.NoError(t, cli.Revoke(rec.ID))
	_, err = server.Authenticate(key)
	assert.NoError(t, err, "within Recheck the server keeps what it read")
	clk.Advance(time.Second)
	_, err = server.Authenticate(key)
	assert.ErrorIs(t, err, apikey.ErrUnknownKey, "a revoked key stops working without a restart")

	// Keys created by the server are added to the file as it is now, keeping the CLI's.
	k2, _, err := cli.Create(li)
	require.NoError(t, err)
	_, _, err = server.Create(li)
	require.NoError(t, err)
	_, err = server.Authenticate(k2)
	assert.NoError(t, err)
	assert.Equal(t, 2, open(t, path, newClock()).Len())
}

func TestCorruptFile(t *testing.T) {
	dir := t.TempDir()
	for name, body := range map[string]string{
		"not json":      "hello",
		"wrong version": `{"version":2,"keys":[]}`,
		"unknown field": `{"version":1,"keys":[],"extra":1}`,
		"bad digest":    `{"version":1,"keys":[{"id":"zz","sha256":"zz","tenant":"a","actor":"b","tier":1}]}`,
		"id mismatch":   `{"version":1,"keys":[{"id":"0000000000000000","sha256":"` + strings.Repeat("ab", 32) + `","tenant":"a","actor":"b","tier":1}]}`,
		"bad actor":     `{"version":1,"keys":[{"id":"abababababababab","sha256":"` + strings.Repeat("ab", 32) + `","tenant":"","actor":"b","tier":1}]}`,
	} {
		t.Run(name, func(t *testing.T) {
			path := filepath.Join(dir, strings.ReplaceAll(name, " ", "-")+".json")
			require.NoError(t, os.WriteFile(path, []byte(body), 0o600))
			_, err := apikey.Open(path, apikey.Config{})
			assert.ErrorIs(t, err, apikey.ErrCorrupt)
		})
	}
}

// A file broken while the server runs (a bad hand edit) does not lock everyone out.
func TestCorruptedWhileRunningKeepsKeys(t *testing.T) {
	path := filepath.Join(t.TempDir(), "keys.json")
	clk := newClock()
	k := open(t, path, clk)
	key, _, err := k.Create(li)
	require.NoError(t, err)
	require.NoError(t, os.WriteFile(path+".new", []byte("{broken"), 0o600))
	require.NoError(t, os.Rename(path+".new", path))
	clk.Advance(time.Second)
	_, err = k.Authenticate(key)
	assert.NoError(t, err)
	assert.ErrorIs(t, k.Reload(), apikey.ErrCorrupt)
	_, err = k.Authenticate(key)
	assert.NoError(t, err)
}

func TestActorQueuesAndRoles(t *testing.T) {
	assert.True(t, li.HasRole("agent"))
	assert.False(t, li.HasRole("admin"))
	assert.True(t, li.InQueue("frontline"))
	assert.False(t, li.InQueue("experts"))
	assert.True(t, apikey.Actor{}.InQueue("anything"), "no queues means every queue")
}

// Whatever actor a key is made for, the key authenticates as exactly that actor and as nobody else.
func TestPropertyRoundTrip(t *testing.T) {
	path := filepath.Join(t.TempDir(), "keys.json")
	k, err := apikey.Open(path, apikey.Config{Recheck: -1})
	require.NoError(t, err)
	rapid.Check(t, func(rt *rapid.T) {
		a := apikey.Actor{
			Tenant: rapid.StringMatching(`[a-z][a-z0-9-]{0,15}`).Draw(rt, "tenant"),
			ID:     rapid.StringMatching(`[a-z]+:[a-z0-9]{1,8}`).Draw(rt, "id"),
			Roles:  rapid.SliceOfN(rapid.SampledFrom([]string{"agent", "supervisor", "admin"}), 0, 3).Draw(rt, "roles"),
			Tier:   rapid.IntRange(1, 3).Draw(rt, "tier"),
			Queues: rapid.SliceOfN(rapid.StringMatching(`[a-z]{1,8}`), 0, 2).Draw(rt, "queues"),
		}
		if len(a.Roles) == 0 {
			a.Roles = nil
		}
		if len(a.Queues) == 0 {
			a.Queues = nil
		}
		key, _, err := k.Create(a)
		require.NoError(rt, err)
		got, err := k.Authenticate(key)
		require.NoError(rt, err)
		assert.Equal(rt, a, got)
		guess := apikey.Prefix + rapid.StringMatching(`[A-Za-z0-9_-]{43}`).Draw(rt, "guess")
		if guess != key {
			_, err = k.Authenticate(guess)
			assert.ErrorIs(rt, err, apikey.ErrUnknownKey)
		}
	})
}

func FuzzAuthenticate(f *testing.F) {
	path := filepath.Join(f.TempDir(), "keys.json")
	k, err := apikey.Open(path, apikey.Config{Random: bytes.NewReader(bytes.Repeat([]byte{9}, 32)), Recheck: -1})
	require.NoError(f, err)
	key, _, err := k.Create(li)
	require.NoError(f, err)
	f.Add(key)
	f.Add("")
	f.Add(apikey.Prefix + strings.Repeat("A", 43))
	f.Add("Bearer " + key)
	f.Fuzz(func(t *testing.T, s string) {
		a, err := k.Authenticate(s)
		if s == key {
			require.NoError(t, err)
			assert.Equal(t, li, a)
			return
		}
		assert.ErrorIs(t, err, apikey.ErrUnknownKey)
	})
}
