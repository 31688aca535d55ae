package server_test

import (
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"pgregory.net/rapid"

	"github.com/redresshq/redress/internal/server"
)

// Over any sequence of requests, a client gets at most burst + rate × elapsed, and a denied client that
// waits the time it was told is served.
func TestLimiterProperty(t *testing.T) {
	rapid.Check(t, func(rt *rapid.T) {
		rate := rapid.Float64Range(0.1, 50).Draw(rt, "rate")
		burst := rapid.IntRange(1, 20).Draw(rt, "burst")
		clk := &clock{t: time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)}
		l := server.NewLimiter(rate, burst, 0, clk.Now)
		start := clk.Now()
		allowed := 0
		steps := rapid.SliceOfN(rapid.IntRange(0, 500), 1, 200).Draw(rt, "gaps_ms")
		for _, gap := range steps {
			clk.Advance(time.Duration(gap) * time.Millisecond)
			ok, wait := l.Allow("c")
			if ok {
				allowed++
				continue
			}
			assert.Positive(rt, wait)
			clk.Advance(wait)
			ok, _ = l.Allow("c")
			assert.True(rt, ok, "after the wait it was told, the client is served")
			allowed++
		}
		budget := float64(burst) + rate*clk.Now().Sub(start).Seconds()
		assert.LessOrEqual(rt, float64(allowed), budget+1e-6)
	})
}

func TestLimiterForgetsIdleClientsWhenFull(t *testing.T) {
	clk := &clock{t: time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)}
	l := server.NewLimiter(1, 2, 2, clk.Now)
	for _, c := range []string{"a", "a", "b"} {
		ok, _ := l.Allow(c)
		assert.True(t, ok)
	}
	ok, _ := l.Allow("c")
	assert.False(t, ok, "every tracked client is busy: a new one is refused, not tracked")
	assert.Equal(t, 2, l.Clients())

	clk.Advance(2 * time.Second) // a and b are full again
	ok, _ = l.Allow("c")
	assert.True(t, ok)
	assert.Equal(t, 1, l.Clients(), "full buckets were forgotten")
}
