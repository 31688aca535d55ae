package routing

import (
	"context"
	"fmt"
	"sync"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestLiveReload(t *testing.T) {
	first := mustLoad(t, "rules:\n  - name: v1\n    when: 'true'\n    queue: one\n")
	live := NewLiveRules(first, Options{})
	assert.Same(t, first, live.Load())
	assert.Zero(t, live.Generation())

	require.NoError(t, live.Reload([]byte("rules:\n  - name: v2\n    when: 'true'\n    queue: two\n")))
	assert.Equal(t, uint64(1), live.Generation())
	d, err := live.Load().Triage(context.Background(), sample(), Input{})
	require.NoError(t, err)
	assert.Equal(t, "two", d.Queue)

	kept := live.Load()
	err = live.Reload([]byte("rules:\n  - name: v3\n    when: complaint.nope\n    queue: three\n"))
	require.ErrorIs(t, err, ErrCompile)
	assert.Same(t, kept, live.Load(), "a bad file never replaces the rules in use")
	assert.Equal(t, uint64(1), live.Generation())

	live.Store(nil)
	assert.Same(t, kept, live.Load())
	live.Store(first)
	assert.Same(t, first, live.Load())
	assert.Equal(t, uint64(2), live.Generation())

	assert.Panics(t, func() { NewLiveRules(nil, Options{}) })
}

func TestLivePolicies(t *testing.T) {
	live := NewLivePolicies(DefaultPolicies(), Options{})
	ctx := context.Background()
	frontline := Actor{ID: "a", Tier: 1}
	assert.ErrorIs(t, live.Load().Authorize(ctx, frontline, "reject", nil, nil), ErrDenied)
	require.NoError(t, live.Reload([]byte("default: allow\nrules: []\n")))
	assert.NoError(t, live.Load().Authorize(ctx, frontline, "reject", nil, nil))
	assert.Error(t, live.Reload([]byte("default: [")))
	assert.NoError(t, live.Load().Authorize(ctx, frontline, "reject", nil, nil))
}

func TestLiveConcurrentReloads(t *testing.T) {
	live := NewLiveRules(mustLoad(t, "rules:\n  - name: v0\n    when: 'true'\n    queue: q0\n"), Options{})
	var wg sync.WaitGroup
	for i := range 4 {
		wg.Go(func() {
			src := fmt.Sprintf("rules:\n  - name: v%d\n    when: 'true'\n    queue: q%d\n", i, i)
			assert.NoError(t, live.Reload([]byte(src)))
			assert.Error(t, live.Reload([]byte("rules: [")))
		})
	}
	for range 4 {
		wg.Go(func() {
			for range 20 {
				d, err := live.Load().Triage(context.Background(), sample(), Input{})
				if assert.NoError(t, err) {
					assert.Len(t, d.Fired, 1)
				}
			}
		})
	}
	wg.Wait()
	assert.Equal(t, uint64(4), live.Generation())
}
