package sqlite

import (
	"context"
	"errors"
	"path/filepath"
	"sync"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/redresshq/redress/storage"
	"github.com/redresshq/redress/storage/storagetest"
)

// TestGroupCommitMembers holds a leader's transaction open until seven more Updates have joined its
// group, then lets them run: members that succeed are committed together (one group), a member that
// fails or panics leaves nothing and does not disturb the others, and a member whose context ends
// before its turn never runs.
func TestGroupCommitMembers(t *testing.T) {
	ctx := context.Background()
	s, err := Open(ctx, filepath.Join(t.TempDir(), "group.db"))
	require.NoError(t, err)
	t.Cleanup(func() { _ = s.Close() })

	const members = 7
	joined := make(chan struct{}, members)
	s.onJoin = func() { joined <- struct{}{} }
	insert := func(tx storage.Tx, i int) error {
		return tx.ComplaintInsert(ctx, &storage.ComplaintInsertParams{Tenant: "acme", Complaint: storagetest.NewComplaint("acme", i)})
	}
	errRefused := errors.New("member refused")
	groupsBefore := s.groups.Load()

	leading := make(chan struct{})
	release := make(chan struct{})
	var wg sync.WaitGroup
	results := make([]error, members+1)
	panics := make([]any, members+1)
	ran := make([]bool, members+1)
	cancelCtx, cancel := context.WithCancel(ctx)

	wg.Go(func() {
		results[0] = s.Update(ctx, func(tx storage.Tx) error {
			ran[0] = true
			if err := insert(tx, 0); err != nil {
				return err
			}
			close(leading)
			<-release
			return nil
		})
	})
	<-leading // the group is open while the leader's fn runs: the members join it
	for i := 1; i <= members; i++ {
		wg.Go(func() {
			defer func() { panics[i] = recover() }()
			c := ctx
			if i == 6 {
				c = cancelCtx
			}
			results[i] = s.Update(c, func(tx storage.Tx) error {
				ran[i] = true
				if err := insert(tx, i); err != nil {
					return err
				}
				switch i {
				case 3:
					return errRefused
				case 5:
					panic("member 5 panics")
				}
				return nil
			})
		})
	}
	for range members {
		<-joined
	}
	cancel() // member 6 gives up before its turn
	close(release)
	wg.Wait()

	assert.Equal(t, groupsBefore+1, s.groups.Load(), "one commit for the whole group")
	for i := 0; i <= members; i++ {
		c := storagetest.NewComplaint("acme", i)
		var got error
		require.NoError(t, s.View(ctx, func(tx storage.ReadTx) error {
			_, got = tx.ComplaintGet(ctx, &storage.ComplaintGetParams{Tenant: "acme", ID: c.ID})
			return nil
		}))
		switch i {
		case 3:
			assert.ErrorIs(t, results[i], errRefused)
			assert.ErrorIs(t, got, storage.ErrNotFound, "a failing member leaves nothing")
		case 5:
			assert.Equal(t, "member 5 panics", panics[i], "the panic reaches the caller")
			assert.ErrorIs(t, got, storage.ErrNotFound, "a panicking member leaves nothing")
		case 6:
			assert.ErrorIs(t, results[i], context.Canceled)
			assert.False(t, ran[i], "a member whose context ended before its turn never runs")
			assert.ErrorIs(t, got, storage.ErrNotFound)
		default:
			assert.NoError(t, results[i], "member %d", i)
			assert.True(t, ran[i])
			assert.NoError(t, got, "member %d committed", i)
		}
	}
}

// TestGroupCommitOff: MaxGroup 1 gives every Update its own transaction.
func TestGroupCommitOff(t *testing.T) {
	ctx := context.Background()
	s, err := OpenWith(ctx, filepath.Join(t.TempDir(), "solo.db"), Config{MaxGroup: 1})
	require.NoError(t, err)
	t.Cleanup(func() { _ = s.Close() })
	var wg sync.WaitGroup
	for i := range 20 {
		wg.Go(func() {
			assert.NoError(t, s.Update(ctx, func(tx storage.Tx) error {
				return tx.ComplaintInsert(ctx, &storage.ComplaintInsertParams{Tenant: "acme", Complaint: storagetest.NewComplaint("acme", i)})
			}))
		})
	}
	wg.Wait()
	assert.Zero(t, s.groups.Load(), "no group commits")
	_, err = OpenWith(ctx, filepath.Join(t.TempDir(), "bad.db"), Config{MaxGroup: -1})
	assert.ErrorIs(t, err, ErrConfig)
}
