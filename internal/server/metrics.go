package server

import (
	"bufio"
	"fmt"
	"io"
	"math"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"
)

// latencyBuckets are the upper bounds, in seconds, of the request latency histogram.
var latencyBuckets = []float64{0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10}

// Metrics collects the server's figures and writes them in the Prometheus text format (version 0.0.4),
// hand-written so that the server needs no metrics library. It is safe for concurrent use.
//
// Built in: redress_http_requests_total{route,code}, redress_http_request_duration_seconds{route}
// (histogram), redress_intake_total{result="created"|"replayed"}. Other parts of the server add their
// own with [Metrics.GaugeFunc] and [Metrics.CounterFunc] (the webhook relay's lag and deliveries).
type Metrics struct {
	mu       sync.RWMutex
	requests map[requestKey]*atomic.Uint64
	latency  map[string]*histogram

	intakeCreated, intakeReplayed atomic.Uint64

	fmu   sync.Mutex
	funcs []metricFunc
}

type requestKey struct {
	route string
	code  int
}

type histogram struct {
	counts   []atomic.Uint64 // one per bucket, not cumulative; +Inf is the last
	sumNanos atomic.Int64
}

type metricFunc struct {
	name, help, kind string
	labels           string // preformatted {k="v",...} or ""
	fn               func() float64
}

// NewMetrics returns an empty collector.
func NewMetrics() *Metrics {
	return &Metrics{requests: map[requestKey]*atomic.Uint64{}, latency: map[string]*histogram{}}
}

// observe records one request.
func (m *Metrics) observe(route string, code int, d time.Duration) {
	k := requestKey{route, code}
	m.mu.RLock()
	c, h := m.requests[k], m.latency[route]
	m.mu.RUnlock()
	if c == nil || h == nil {
		m.mu.Lock()
		if c = m.requests[k]; c == nil {
			c = new(atomic.Uint64)
			m.requests[k] = c
		}
		if h = m.latency[route]; h == nil {
			h = &histogram{counts: make([]atomic.Uint64, len(latencyBuckets)+1)}
			m.latency[route] = h
		}
		m.mu.Unlock()
	}
	c.Add(1)
	i, _ := slices.BinarySearch(latencyBuckets, d.Seconds())
	h.counts[i].Add(1)
	h.sumNanos.Add(int64(d))
}

// intake records one intake, created or a replay of an earlier one.
func (m *Metrics) intake(created bool) {
	if created {
		m.intakeCreated.Add(1)
	} else {
		m.intakeReplayed.Add(1)
	}
}

// GaugeFunc adds a gauge read from fn at every scrape. labels are label name/value pairs.
func (m *Metrics) GaugeFunc(name, help string, fn func() float64, labels ...string) {
	m.addFunc(name, help, "gauge", fn, labels)
}

// CounterFunc adds a counter read from fn at every scrape (fn must never decrease). labels are label
// name/value pairs; several CounterFuncs may share a name with different labels.
func (m *Metrics) CounterFunc(name, help string, fn func() float64, labels ...string) {
	m.addFunc(name, help, "counter", fn, labels)
}

func (m *Metrics) addFunc(name, help, kind string, fn func() float64, labels []string) {
	var b strings.Builder
	for i := 0; i+1 < len(labels); i += 2 {
		if i == 0 {
			b.WriteByte('{')
		} else {
			b.WriteByte(',')
		}
		fmt.Fprintf(&b, `%s="%s"`, labels[i], escapeLabel(labels[i+1]))
	}
	if b.Len() > 0 {
		b.WriteByte('}')
	}
	m.fmu.Lock()
	defer m.fmu.Unlock()
	m.funcs = append(m.funcs, metricFunc{name: name, help: help, kind: kind, labels: b.String(), fn: fn})
}

var labelEscaper = strings.NewReplacer(`\`, `\\`, `"`, `\"`, "\n", `\n`)

func escapeLabel(s string) string { return labelEscaper.Replace(s) }

func formatFloat(f float64) string {
	switch {
	case math.IsInf(f, 1):
		return "+Inf"
	case math.IsInf(f, -1):
		return "-Inf"
	case math.IsNaN(f):
		return "NaN"
	}
	return strconv.FormatFloat(f, 'g', -1, 64)
}

// WriteTo writes every metric in the Prometheus text format.
func (m *Metrics) WriteTo(w io.Writer) (int64, error) {
	cw := &countingWriter{w: bufio.NewWriter(w)}
	m.mu.RLock()
	reqKeys := make([]requestKey, 0, len(m.requests))
	for k := range m.requests {
		reqKeys = append(reqKeys, k)
	}
	routes := make([]string, 0, len(m.latency))
	for r := range m.latency {
		routes = append(routes, r)
	}
	m.mu.RUnlock()
	slices.SortFunc(reqKeys, func(a, b requestKey) int {
		if c := strings.Compare(a.route, b.route); c != 0 {
			return c
		}
		return a.code - b.code
	})
	slices.Sort(routes)

	fmt.Fprintf(cw, "# HELP redress_http_requests_total HTTP requests answered, by route and status code.\n# TYPE redress_http_requests_total counter\n")
	for _, k := range reqKeys {
		m.mu.RLock()
		v := m.requests[k].Load()
		m.mu.RUnlock()
		fmt.Fprintf(cw, "redress_http_requests_total{route=\"%s\",code=\"%d\"} %d\n", escapeLabel(k.route), k.code, v)
	}
	fmt.Fprintf(cw, "# HELP redress_http_request_duration_seconds Time to answer HTTP requests, by route.\n# TYPE redress_http_request_duration_seconds histogram\n")
	for _, r := range routes {
		m.mu.RLock()
		h := m.latency[r]
		m.mu.RUnlock()
		lr := escapeLabel(r)
		var cum uint64
		for i, ub := range latencyBuckets {
			cum += h.counts[i].Load()
			fmt.Fprintf(cw, "redress_http_request_duration_seconds_bucket{route=\"%s\",le=\"%s\"} %d\n", lr, formatFloat(ub), cum)
		}
		cum += h.counts[len(latencyBuckets)].Load()
		fmt.Fprintf(cw, "redress_http_request_duration_seconds_bucket{route=\"%s\",le=\"+Inf\"} %d\n", lr, cum)
		fmt.Fprintf(cw, "redress_http_request_duration_seconds_sum{route=\"%s\"} %s\n", lr, formatFloat(time.Duration(h.sumNanos.Load()).Seconds()))
		fmt.Fprintf(cw, "redress_http_request_duration_seconds_count{route=\"%s\"} %d\n", lr, cum)
	}
	fmt.Fprintf(cw, "# HELP redress_intake_total Complaints taken in over HTTP: created, or replays of an earlier intake.\n# TYPE redress_intake_total counter\n")
	fmt.Fprintf(cw, "redress_intake_total{result=\"created\"} %d\nredress_intake_total{result=\"replayed\"} %d\n", m.intakeCreated.Load(), m.intakeReplayed.Load())

	m.fmu.Lock()
	funcs := slices.Clone(m.funcs)
	m.fmu.Unlock()
	// The samples of one metric must be written together.
	slices.SortStableFunc(funcs, func(a, b metricFunc) int { return strings.Compare(a.name, b.name) })
	described := map[string]bool{}
	for _, f := range funcs {
		if !described[f.name] {
			fmt.Fprintf(cw, "# HELP %s %s\n# TYPE %s %s\n", f.name, f.help, f.name, f.kind)
			described[f.name] = true
		}
		fmt.Fprintf(cw, "%s%s %s\n", f.name, f.labels, formatFloat(f.fn()))
	}
	if err := cw.w.(*bufio.Writer).Flush(); err != nil && cw.err == nil {
		cw.err = err
	}
	return cw.n, cw.err
}

type countingWriter struct {
	w   io.Writer
	n   int64
	err error
}

func (c *countingWriter) Write(p []byte) (int, error) {
	if c.err != nil {
		return 0, c.err
	}
	n, err := c.w.Write(p)
	c.n += int64(n)
	c.err = err
	return n, err
}

// ServeHTTP answers a scrape.
func (m *Metrics) ServeHTTP(w http.ResponseWriter, _ *http.Request) {
	w.Header().Set("Content-Type", "text/plain; version=0.0.4; charset=utf-8")
	_, _ = m.WriteTo(w)
}
