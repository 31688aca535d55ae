package server

import (
	"math"
	"net"
	"net/http"
	"net/netip"
	"sync"
	"time"
)

// Limiter is a token bucket per client: each client may make Burst requests at once and Rate per second
// after that. It is safe for concurrent use and reads time only through its clock.
//
// It tracks at most MaxClients clients; when full it forgets clients whose bucket has refilled (they
// are indistinguishable from new ones), and when every bucket is in use it refuses new clients rather
// than grow without bound under a flood of addresses.
type Limiter struct {
	rate       float64 // tokens per second
	burst      float64
	maxClients int
	now        func() time.Time

	mu      sync.Mutex
	buckets map[string]*bucket
}

type bucket struct {
	tokens float64
	last   time.Time
}

// NewLimiter returns a limiter allowing burst requests at once and rate per second per client. now
// defaults to time.Now; maxClients <= 0 means 100,000.
func NewLimiter(rate float64, burst int, maxClients int, now func() time.Time) *Limiter {
	if now == nil {
		now = time.Now
	}
	if maxClients <= 0 {
		maxClients = 100_000
	}
	return &Limiter{rate: rate, burst: float64(max(burst, 1)), maxClients: maxClients, now: now, buckets: map[string]*bucket{}}
}

// Allow takes a token from client's bucket. When none is left it returns false and how long until the
// next token.
func (l *Limiter) Allow(client string) (bool, time.Duration) {
	now := l.now()
	l.mu.Lock()
	defer l.mu.Unlock()
	b := l.buckets[client]
	if b == nil {
		if len(l.buckets) >= l.maxClients {
			l.sweep(now)
			if len(l.buckets) >= l.maxClients {
				return false, time.Second
			}
		}
		b = &bucket{tokens: l.burst, last: now}
		l.buckets[client] = b
	}
	if el := now.Sub(b.last).Seconds(); el > 0 {
		b.tokens = math.Min(l.burst, b.tokens+el*l.rate)
		b.last = now
	}
	// The epsilon absorbs float rounding, so a client that waits exactly the time it was told is served.
	if b.tokens >= 1-1e-9 {
		b.tokens--
		return true, 0
	}
	if l.rate <= 0 {
		return false, time.Hour
	}
	wait := time.Duration(math.Ceil((1 - b.tokens) / l.rate * float64(time.Second)))
	return false, max(wait, time.Millisecond)
}

// sweep forgets clients whose bucket is full again.
func (l *Limiter) sweep(now time.Time) {
	for k, b := range l.buckets {
		if b.tokens+now.Sub(b.last).Seconds()*l.rate >= l.burst {
			delete(l.buckets, k)
		}
	}
}

// Clients returns the number of clients tracked.
func (l *Limiter) Clients() int {
	l.mu.Lock()
	defer l.mu.Unlock()
	return len(l.buckets)
}

// clientKey is the rate-limit identity of a request: its peer address, an IPv6 peer by its /64 (one
// subscriber usually holds a whole /64, so counting single addresses would be no limit). Forwarded
// headers are not trusted: behind a proxy, the proxy must limit.
func clientKey(r *http.Request) string {
	host, _, err := net.SplitHostPort(r.RemoteAddr)
	if err != nil {
		host = r.RemoteAddr
	}
	addr, err := netip.ParseAddr(host)
	if err != nil {
		return host
	}
	addr = addr.Unmap()
	if addr.Is6() {
		p, _ := addr.Prefix(64)
		return p.String()
	}
	return addr.String()
}
