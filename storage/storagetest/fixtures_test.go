package storagetest_test

import (
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/redresshq/redress/complaint"
	"github.com/redresshq/redress/feedback"
	"github.com/redresshq/redress/rca"
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
	assert.Greater(t, len(seen), 80)
}

func TestNewProblemIsValidAndCanonical(t *testing.T) {
	seen := map[string]bool{}
	for _, tenant := range []string{"acme", "globex"} {
		for i := range 300 {
			p := storagetest.NewProblem(tenant, i, storagetest.NewComplaint(tenant, i).ID)
			require.NoError(t, p.Validate(), "%s/%d", tenant, i)
			require.Equal(t, p, storagetest.CanonicalProblem(p), "fixtures are already normalised")
			require.False(t, seen[p.ID], "ID %s repeats", p.ID)
			seen[p.ID] = true
			next, ok := p.NextReport()
			require.True(t, ok)
			require.Equal(t, p.CreatedAt.Add(7*24*time.Hour), next, "the corrective action is the next to report")
		}
	}
	assert.Equal(t, storagetest.NewProblem("acme", 5), storagetest.NewProblem("acme", 5), "deterministic")
	p := storagetest.NewProblem("acme", 0)
	p.Team, p.Actions = []string{}, []rca.Action{}
	p.CreatedAt = time.Date(2026, 3, 2, 9, 30, 0, 123456789, time.FixedZone("CST", 8*3600))
	got := storagetest.CanonicalProblem(p)
	assert.Nil(t, got.Team)
	assert.Nil(t, got.Actions)
	assert.Nil(t, got.Complaints)
	assert.Equal(t, time.Date(2026, 3, 2, 1, 30, 0, 123456000, time.UTC), got.CreatedAt)
}

func TestNewSurveyIsValidAndCanonical(t *testing.T) {
	seenID, seenHash := map[string]bool{}, map[string]bool{}
	for _, tenant := range []string{"acme", "globex"} {
		for i := range 100 {
			c := storagetest.NewComplaint(tenant, i)
			for k := range 3 {
				s := storagetest.NewSurvey(c, k)
				require.Equal(t, s, storagetest.CanonicalSurvey(s), "fixtures are already normalised")
				hash, err := feedback.HashToken(storagetest.SurveyToken(c, k))
				require.NoError(t, err)
				require.Equal(t, hash, s.TokenHash, "the token hashes to the stored hash")
				require.False(t, seenID[s.ID], "ID %s repeats", s.ID)
				require.False(t, seenHash[s.TokenHash], "token hash repeats")
				seenID[s.ID], seenHash[s.TokenHash] = true, true
				require.NoError(t, (&storage.SurveyInsertParams{Tenant: tenant, Survey: s}).Validate())
			}
		}
	}
	s := storagetest.NewSurvey(storagetest.NewComplaint("acme", 0), 0)
	s.Kinds = []feedback.Kind{}
	s.AnsweredAt = time.Date(2026, 3, 2, 9, 30, 0, 123456789, time.FixedZone("CST", 8*3600))
	got := storagetest.CanonicalSurvey(s)
	assert.Nil(t, got.Kinds)
	assert.Equal(t, time.Date(2026, 3, 2, 1, 30, 0, 123456000, time.UTC), got.AnsweredAt)
	assert.NotNil(t, s.Kinds, "CanonicalSurvey leaves its argument alone")
}
