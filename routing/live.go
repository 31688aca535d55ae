package routing

import (
	"errors"
	"sync/atomic"
)

// Live holds the rule set (or policy) in use and replaces it on reload, for servers that take new rule
// files while running. Readers never wait: Load is one atomic read, and a reload swaps the pointer only
// after the new file compiled, so a bad file never replaces a good one.
//
// Build one with [NewLiveRules] or [NewLivePolicies]; it is safe for concurrent use.
type Live[T any] struct {
	cur  atomic.Pointer[T]
	load func(src []byte) (*T, error)
	// gen counts successful swaps, so callers can tell whether a reload took.
	gen atomic.Uint64
}

// NewLive returns a holder starting with initial (which must not be nil) that reloads with load.
func NewLive[T any](initial *T, load func(src []byte) (*T, error)) *Live[T] {
	if initial == nil {
		panic("routing: NewLive needs an initial value")
	}
	l := &Live[T]{load: load}
	l.cur.Store(initial)
	return l
}

// NewLiveRules holds rule sets, reloading them with [LoadRules] and opts.
func NewLiveRules(initial *RuleSet, opts Options) *Live[RuleSet] {
	return NewLive(initial, func(src []byte) (*RuleSet, error) { return LoadRules(src, opts) })
}

// NewLivePolicies holds policies, reloading them with [LoadPolicies] and opts.
func NewLivePolicies(initial *Policy, opts Options) *Live[Policy] {
	return NewLive(initial, func(src []byte) (*Policy, error) { return LoadPolicies(src, opts) })
}

// Load returns the value in use. Keep the returned pointer for one piece of work (one complaint), so
// that a reload in the middle does not mix two rule sets.
func (l *Live[T]) Load() *T { return l.cur.Load() }

// Generation counts the values installed since the holder was built (0 for the initial one).
func (l *Live[T]) Generation() uint64 { return l.gen.Load() }

// Reload compiles src and, when it compiles, makes it the value in use. On error the value in use stays
// and the error (a [*RuleError] or several joined) is returned.
func (l *Live[T]) Reload(src []byte) error {
	next, err := l.load(src)
	if err != nil {
		return err
	}
	if next == nil {
		return errors.New("routing: reload produced nothing")
	}
	l.Store(next)
	return nil
}

// Store installs v (ignored when nil), for values compiled elsewhere (for example with [CompileRules]).
func (l *Live[T]) Store(v *T) {
	if v == nil {
		return
	}
	l.cur.Store(v)
	l.gen.Add(1)
}
