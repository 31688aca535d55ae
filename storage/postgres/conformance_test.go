package postgres

import (
	"testing"

	"github.com/redresshq/redress/storage"
	"github.com/redresshq/redress/storage/storagetest"
)

func TestConformance(t *testing.T) {
	testDSN(t)
	storagetest.Run(t, func(t *testing.T) storage.Store { return newStore(t) })
}
