package redress

import (
	"crypto/rand"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"slices"
	"sync"
	"time"

	"github.com/oklog/ulid/v2"

	"github.com/redresshq/redress/feedback"
	"github.com/redresshq/redress/insight"
	"github.com/redresshq/redress/routing"
	"github.com/redresshq/redress/sla"
)

// Config tunes a Desk. The zero value works: wall clock, ULIDs, crypto/rand, no logging, no rules,
// 24×7 defaults.
type Config struct {
	// Now is the clock. Every timestamp the Desk writes comes from it. Default time.Now.
	Now func() time.Time
	// NewID returns a new, unique, time-ordered ID for complaints, events and outbox messages.
	// Default: ULIDs with monotonic entropy (safe for concurrent use).
	NewID func() string
	// Random feeds tracking codes. Default crypto/rand.Reader. Replace it only in tests.
	Random io.Reader
	// Logger receives the Desk's operational logs. Default: discard.
	Logger *slog.Logger
	// CloseAfter is how long after resolution a complaint may be closed without the customer's
	// confirmation (seed 003: close only after the customer confirms, or after the policy's timeout).
	// Zero means 7 days; negative disables closing by timeout.
	CloseAfter time.Duration
	// Authorizer, when set, is asked before every transition and action; a denial stops the change.
	// routing.Policies implements it.
	Authorizer Authorizer
	// Rules triages every complaint at intake: CEL rules set category, severity, priority, safety,
	// queue, tier, tags and SLA policy. Values the rules set replace those given at intake (the rule
	// file is the operator's policy). Nil means no triage; Desk.SetRules swaps sets at run time.
	Rules *routing.RuleSet
	// Analyzer computes the text signals (sentiment, keywords, language) the rules see. Default:
	// routing.DefaultLexicon(), a Chinese and English complaint lexicon.
	Analyzer routing.Analyzer
	// RepeatWithin: a complaint by the same customer in the same category within this window of an
	// earlier one is flagged as a repeat (RepeatOf, tag "repeat"). Zero means DefaultRepeatWithin;
	// negative turns detection off.
	RepeatWithin time.Duration
	// SLA, when set, runs the policies' clocks on every complaint: the policy named by the complaint's
	// SLAPolicy (set by triage rules or at intake) or the set's default. Timers for the next warning
	// levels are stored with each change and fired by RunOnce. Nil runs no SLA clocks.
	SLA *sla.Set
	// Outbox, when true, writes one outbox message per committed event, for webhook delivery by a relay
	// (cmd/redressd runs one). Leave it off when nothing drains the outbox.
	Outbox bool
	// MaxRetries bounds how often Transition retries when it raced with another change and the caller
	// did not name an ExpectedVersion. Zero means 3.
	MaxRetries int

	// Surveys, when set, schedules a satisfaction survey every time a complaint resolves, in the
	// resolution's transaction: the survey record, an EventSurveyScheduled event, a timer that marks it
	// sent at its ScheduledAt, and a TopicSurveyDue outbox message carrying the link token. The token
	// exists nowhere else (the store keeps its hash), so Surveys requires Outbox. The policy also
	// judges answers (low scores follow up or reopen). Nil schedules no survey by itself;
	// Desk.ScheduleSurvey still works, with feedback.DefaultPolicy() unless Surveys is set.
	Surveys *feedback.Policy
	// Calendar, when set, measures the KPI durations (first response, resolution) in business time on
	// this calendar, as the SLA clocks do; nil measures elapsed time.
	Calendar *sla.Calendar
	// Warnings is the early-warning policy that Desk.Warnings and the scanner apply to each category's
	// daily counts. The zero value is insight's default (14-day baseline, 1σ/2σ/3σ levels).
	Warnings insight.WarningPolicy
	// Tenants lists the tenants whose categories RunOnce checks for spikes (at most once per
	// WarningCheckEvery of the Desk's clock per tenant), emitting TopicWarningRaised to the outbox when
	// a category's level rises. The store has no list of tenants, so the scanner must be told; empty
	// turns the scheduled check off (Desk.Warnings still answers on demand).
	Tenants []string
	// Assignment, when set, gives each complaint that intake leaves in a queue without an assignee to
	// an agent of that queue (round robin, least loaded or by skill, within capacity and availability).
	// Nil leaves complaints in their queues for agents or the embedder to pick.
	Assignment *Assignment
}

func (c *Config) setDefaults() error {
	if c.Now == nil {
		c.Now = time.Now
	}
	if c.NewID == nil {
		c.NewID = newULIDSource(c.Now, rand.Reader)
	}
	if c.Random == nil {
		c.Random = rand.Reader
	}
	if c.Logger == nil {
		c.Logger = slog.New(slog.DiscardHandler)
	}
	switch {
	case c.CloseAfter == 0:
		c.CloseAfter = 7 * 24 * time.Hour
	case c.CloseAfter < 0:
		c.CloseAfter = 0
	}
	if c.Analyzer == nil {
		c.Analyzer = routing.DefaultLexicon()
	}
	if c.RepeatWithin == 0 {
		c.RepeatWithin = DefaultRepeatWithin
	}
	if c.MaxRetries < 0 {
		return fmt.Errorf("redress: Config.MaxRetries is %d, must not be negative", c.MaxRetries)
	}
	if c.MaxRetries == 0 {
		c.MaxRetries = 3
	}
	if c.Surveys != nil {
		if err := c.Surveys.Validate(); err != nil {
			return fmt.Errorf("redress: Config.Surveys: %w", err)
		}
		if !c.Outbox {
			return errors.New("redress: Config.Surveys needs Config.Outbox: the survey link token travels only in the outbox")
		}
		p := *c.Surveys // the caller's policy may change afterwards; the Desk keeps its own copy
		p.Kinds = slices.Clone(p.Kinds)
		c.Surveys = &p
	}
	if c.Assignment != nil {
		if err := c.Assignment.validate(); err != nil {
			return err
		}
	}
	if err := c.Warnings.Validate(); err != nil {
		return fmt.Errorf("redress: Config.Warnings: %w", err)
	}
	c.Tenants = slices.Clone(c.Tenants)
	for i, t := range c.Tenants {
		if t == "" || slices.Contains(c.Tenants[:i], t) {
			return fmt.Errorf("redress: Config.Tenants[%d] is empty or repeated", i)
		}
	}
	return nil
}

// newULIDSource returns a concurrency-safe ULID generator; monotonic entropy keeps IDs made in the same
// millisecond in order.
func newULIDSource(now func() time.Time, r io.Reader) func() string {
	var mu sync.Mutex
	entropy := ulid.Monotonic(r, 0)
	return func() string {
		mu.Lock()
		defer mu.Unlock()
		return ulid.MustNew(ulid.Timestamp(now()), entropy).String()
	}
}
