package memory_test

import (
	"context"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/redresshq/redress/storage"
	"github.com/redresshq/redress/storage/memory"
	"github.com/redresshq/redress/storage/storagetest"
)

func TestConformance(t *testing.T) {
	storagetest.Run(t, func(t *testing.T) storage.Store {
		s := memory.New()
		t.Cleanup(func() { _ = s.Close() })
		return s
	})
}

func TestViewIsReadOnly(t *testing.T) {
	s := memory.New()
	c := storagetest.NewComplaint("acme", 0)
	err := s.View(t.Context(), func(rtx storage.ReadTx) error {
		tx, ok := rtx.(storage.Tx)
		require.True(t, ok, "the memory transaction type serves both")
		return tx.ComplaintInsert(t.Context(), &storage.ComplaintInsertParams{Tenant: "acme", Complaint: c})
	})
	require.ErrorIs(t, err, memory.ErrReadOnly)
	err = s.View(t.Context(), func(tx storage.ReadTx) error {
		_, err := tx.ComplaintGet(t.Context(), &storage.ComplaintGetParams{Tenant: "acme", ID: c.ID})
		return err
	})
	require.ErrorIs(t, err, storage.ErrNotFound)
}

func TestTxUnusableAfterReturn(t *testing.T) {
	s := memory.New()
	var leaked storage.Tx
	require.NoError(t, s.Update(t.Context(), func(tx storage.Tx) error { leaked = tx; return nil }))
	err := leaked.ComplaintInsert(t.Context(), &storage.ComplaintInsertParams{Tenant: "acme", Complaint: storagetest.NewComplaint("acme", 0)})
	require.ErrorIs(t, err, memory.ErrTxDone)
	_, err = leaked.ComplaintGet(t.Context(), &storage.ComplaintGetParams{Tenant: "acme", ID: "x"})
	require.ErrorIs(t, err, memory.ErrTxDone)
}

func TestClose(t *testing.T) {
	s := memory.New()
	require.NoError(t, s.Close())
	require.NoError(t, s.Close(), "closing twice is harmless")
	require.ErrorIs(t, s.Update(t.Context(), func(storage.Tx) error { return nil }), memory.ErrClosed)
	require.ErrorIs(t, s.View(t.Context(), func(storage.ReadTx) error { return nil }), memory.ErrClosed)
}

func TestCanceledDuringUpdateRollsBack(t *testing.T) {
	s := memory.New()
	ctx, cancel := context.WithCancel(t.Context())
	c := storagetest.NewComplaint("acme", 0)
	err := s.Update(ctx, func(tx storage.Tx) error {
		require.NoError(t, tx.ComplaintInsert(ctx, &storage.ComplaintInsertParams{Tenant: "acme", Complaint: c}))
		cancel()
		return nil
	})
	require.ErrorIs(t, err, context.Canceled, "a context done before commit fails the commit")
	err = s.View(t.Context(), func(tx storage.ReadTx) error {
		_, err := tx.ComplaintGet(t.Context(), &storage.ComplaintGetParams{Tenant: "acme", ID: c.ID})
		return err
	})
	require.ErrorIs(t, err, storage.ErrNotFound)
}
