package storagetest_test

import (
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/redresshq/redress/complaint"
	"github.com/redresshq/redress/storage"
	"github.com/redresshq/redress/storage/storagetest"
)

func TestNewComplaintIsValidAndCanonical(t *testing.T) {
	seenID, seenCode, seenRef := map[string]bool{}, map[string]bool{}, map[string]bool{}
	for _, tenant := range []string{"acme", "globex"} {
		for i := range 600 {
			c := storagetest.NewComplaint(tenant, i)
			require.NoError(t, c.Validate(), "%s/%d", tenant, i)
			require.Equal(t, c, storagetest.Canonical(c), "fixtures are already normalised")
			code, err := complaint.ParseTrackingCode(c.TrackingCode)
			require.NoError(t, err)
			require.Equal(t, code, c.TrackingCode, "tracking codes are canonical")
			require.Len(t, c.ID, 26)
			require.False(t, seenID[c.ID], "ID %s repeats", c.ID)
			require.False(t, seenCode[tenant+c.TrackingCode], "tracking code %s repeats", c.TrackingCode)
			require.False(t, seenRef[tenant+c.Channel+c.ExternalRef], "reference %s repeats", c.ExternalRef)
			require.NotEqual(t, c.Tags[0], c.Tags[1], "tags of one complaint differ")
			seenID[c.ID], seenCode[tenant+c.TrackingCode], seenRef[tenant+c.Channel+c.ExternalRef] = true, true, true
		}
	}
	assert.Equal(t, storagetest.NewComplaint("acme", 5), storagetest.NewComplaint("acme", 5), "deterministic")
}

func TestCanonical(t *testing.T) {
	zone := time.FixedZone("CST", 8*3600)
	c := storagetest.NewComplaint("acme", 0)
	c.CreatedAt = time.Date(2026, 3, 2, 9, 0, 0, 1_999, zone)
	c.ResolvedAt = time.Time{}
	c.Attachments, c.Tags, c.Custom = []complaint.Attachment{}, []string{}, map[string]string{}
	got := storagetest.Canonical(c)
	assert.Equal(t, time.Date(2026, 3, 2, 1, 0, 0, 1_000, time.UTC), got.CreatedAt)
	assert.True(t, got.ResolvedAt.IsZero())
	assert.Nil(t, got.Attachments)
	assert.Nil(t, got.Tags)
	assert.Nil(t, got.Custom)
	assert.Equal(t, zone, c.CreatedAt.Location(), "the argument is not modified")

	m := storagetest.NewOutboxMessage("acme", 0)
	m.NextAttemptAt, m.Payload = time.Time{}, []byte{}
	cm := storagetest.CanonicalOutboxMessage(m)
	assert.Equal(t, m.CreatedAt, cm.NextAttemptAt)
	assert.Nil(t, cm.Payload)

	e := storagetest.NewEvent(c, 1)
	e.Attrs = map[string]string{}
	assert.Nil(t, storagetest.CanonicalEvent(e).Attrs)
	tm := storagetest.CanonicalTimer(storage.Timer{DueAt: c.CreatedAt})
	assert.Equal(t, got.CreatedAt, tm.DueAt)
}

func TestCasesAreUnique(t *testing.T) {
	seen := map[string]bool{}
	for _, name := range storagetest.Cases() {
		require.False(t, seen[name], "case %s is listed twice", name)
		seen[name] = true
	}
	assert.Greater(t, len(seen), 50)
}
