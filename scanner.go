package redress

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"slices"
	"strings"
	"sync/atomic"
	"time"

	"github.com/redresshq/redress/complaint"
	"github.com/redresshq/redress/storage"
)

// Timers are how the Desk acts on time without reading every complaint: each change stores the next
// instants at which something must happen to the complaint (an SLA warning, an automatic close), and a
// scanner claims the due ones. A timer leaves the store in the same transaction that records what it
// caused, so even several scanners on one database fire each timer once.

// Timer kinds the Desk itself schedules.
const (
	// TimerAutoClose closes a resolved complaint once Config.CloseAfter has passed without the
	// customer confirming or reopening.
	TimerAutoClose = "lifecycle/autoclose"
)

// timerSource says which timers a complaint should have after a change.
type timerSource func(ctx context.Context, tx storage.ReadTx, ch *change) ([]storage.Timer, error)

// timerHandler acts on one fired timer. It may change ch.after and add events; returning acted=false
// means the timer was stale and nothing happens.
type timerHandler func(ctx context.Context, tx storage.ReadTx, tm storage.Timer, ch *change) (acted bool, err error)

// history returns every event of the changed complaint: the stored ones (read once per change) followed
// by the change's new, not yet written events.
func (ch *change) history(ctx context.Context, tx storage.ReadTx) ([]complaint.Event, error) {
	if !ch.storedLoaded {
		if ch.before != nil {
			evs, err := tx.EventList(ctx, &storage.EventListParams{Tenant: ch.before.Tenant, ComplaintID: ch.before.ID, Limit: 0})
			if err != nil {
				return nil, err
			}
			ch.stored = evs[:len(evs):len(evs)]
		}
		ch.storedLoaded = true
	}
	return append(ch.stored, ch.events...), nil
}

// autoCloseTimer wants a timer while a complaint is resolved and closing by timeout is allowed.
func (d *Desk) autoCloseTimer(_ context.Context, _ storage.ReadTx, ch *change) ([]storage.Timer, error) {
	c := ch.after
	if d.cfg.CloseAfter <= 0 || c.Status != complaint.StatusResolved || c.ResolvedAt.IsZero() {
		return nil, nil
	}
	return []storage.Timer{{Tenant: c.Tenant, ComplaintID: c.ID, Kind: TimerAutoClose, DueAt: c.ResolvedAt.Add(d.cfg.CloseAfter)}}, nil
}

func (d *Desk) fireAutoClose(ctx context.Context, _ storage.ReadTx, _ storage.Timer, ch *change) (bool, error) {
	next, ev, err := d.lifecycle.Apply(ctx, ch.after, complaint.Request{
		Trigger: complaint.TriggerClose, Actor: SystemActor.ID, At: d.now(), CloseAfter: d.cfg.CloseAfter,
		Note: "closed automatically: no reply from the customer within the policy's time",
	})
	if errors.Is(err, complaint.ErrIllegalTransition) {
		return false, nil // reopened, confirmed or not yet due: nothing to do
	}
	if err != nil {
		return false, err
	}
	ch.after = next
	d.addEvent(ch, ev)
	return true, nil
}

// SystemActor is the actor recorded for what the Desk does by itself (timeouts, escalations).
var SystemActor = complaint.Actor{ID: "system", Roles: []string{complaint.RoleSystem}}

// syncTimers is the hook that makes a complaint's stored timers equal to what its sources want.
func (d *Desk) syncTimers(ctx context.Context, tx storage.Tx, ch *change) error {
	c := ch.after
	var want []storage.Timer
	for _, src := range d.timerSources {
		ts, err := src(ctx, tx, ch)
		if err != nil {
			return err
		}
		want = append(want, ts...)
	}
	have := []storage.Timer(nil)
	if ch.before != nil { // a new complaint has no timers yet
		var err error
		have, err = tx.TimerList(ctx, &storage.TimerListParams{Tenant: c.Tenant, ComplaintID: c.ID})
		if err != nil {
			return err
		}
	}
	for _, t := range have {
		if !slices.ContainsFunc(want, func(w storage.Timer) bool { return w.Kind == t.Kind }) {
			if err := tx.TimerDelete(ctx, &storage.TimerDeleteParams{Tenant: c.Tenant, ComplaintID: c.ID, Kind: t.Kind}); err != nil {
				return err
			}
		}
	}
	for _, w := range want {
		w.DueAt = storage.Time(w.DueAt)
		if slices.ContainsFunc(have, func(t storage.Timer) bool { return t.Kind == w.Kind && t.DueAt.Equal(w.DueAt) }) {
			continue
		}
		if err := tx.TimerSet(ctx, &storage.TimerSetParams{Tenant: c.Tenant, Timer: w}); err != nil {
			return err
		}
	}
	return nil
}

// DefaultScanBatch is how many due timers RunOnce claims per transaction.
const DefaultScanBatch = 100

// RunOnce does what is due now, across all tenants, and returns how many things it did: timers
// consumed, problems whose overdue actions it reported, and early warnings it raised.
//
// First the timers: it claims the due ones, fires them and commits, in batches of DefaultScanBatch,
// until none is due. Each batch is one transaction: if firing fails the batch is retried one timer per
// transaction, and a timer that still fails is logged and dropped (the complaint's next change
// schedules it again). Then the corrective actions that fell overdue (scanOverdue in problems.go),
// and last the early-warning check of Config.Tenants (scanWarnings in insights.go, at most once per
// WarningCheckEvery per tenant).
//
// Several RunOnce calls may run at once, in one process or in several sharing a database: a timer is
// consumed, and an overdue action reported, by exactly one of them. Warning levels are remembered per
// Desk, so each replica that lists a tenant in Config.Tenants raises its warnings.
func (d *Desk) RunOnce(ctx context.Context) (int, error) {
	total, err := d.runTimers(ctx)
	if err != nil || ctx.Err() != nil {
		return total, err
	}
	n, err := d.scanOverdue(ctx)
	total += n
	if ctx.Err() != nil {
		return total, err
	}
	m, werr := d.scanWarnings(ctx)
	return total + m, errors.Join(err, werr)
}

// runTimers is RunOnce's timer scan; it returns how many timers it consumed.
func (d *Desk) runTimers(ctx context.Context) (int, error) {
	total := 0
	for range maxBatchesPerRun {
		n, err := d.scanBatch(ctx, DefaultScanBatch)
		if err != nil {
			n, err = d.scanOneByOne(ctx, DefaultScanBatch)
		}
		total += n
		if err != nil || n == 0 {
			return total, err
		}
		if err := ctx.Err(); err != nil {
			return total, err
		}
	}
	return total, nil
}

// maxBatchesPerRun bounds one RunOnce, so a handler that keeps rescheduling a past-due timer cannot
// hold the scanner forever; the next run picks up where this one stopped.
const maxBatchesPerRun = 1000

// Run calls RunOnce every interval until ctx is done, logging failures. It returns ctx's error.
func (d *Desk) Run(ctx context.Context, interval time.Duration) error {
	if interval <= 0 {
		return fmt.Errorf("redress: scanner interval %v must be positive", interval)
	}
	t := time.NewTicker(interval)
	defer t.Stop()
	for {
		if n, err := d.RunOnce(ctx); err != nil && ctx.Err() == nil {
			d.cfg.Logger.LogAttrs(ctx, slog.LevelError, "timer scan failed", slog.String("error", err.Error()), slog.Int("fired", n))
		}
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-t.C:
		}
	}
}

func (d *Desk) scanBatch(ctx context.Context, limit int) (int, error) {
	n := 0
	var counts scanCounts
	err := d.store.Update(ctx, func(tx storage.Tx) error {
		counts = scanCounts{}
		due, err := tx.TimerClaimDue(ctx, &storage.TimerClaimDueParams{Now: d.now(), Limit: limit})
		if err != nil {
			return err
		}
		for _, tm := range due {
			c, err := d.fire(ctx, tx, tm)
			if err != nil {
				return err
			}
			counts.add(c)
		}
		n = len(due)
		return nil
	})
	if err == nil {
		d.stats.add(counts)
	}
	return n, err
}

func (d *Desk) scanOneByOne(ctx context.Context, limit int) (int, error) {
	n := 0
	for range limit {
		var claimed *storage.Timer
		var counts scanCounts
		err := d.store.Update(ctx, func(tx storage.Tx) error {
			due, err := tx.TimerClaimDue(ctx, &storage.TimerClaimDueParams{Now: d.now(), Limit: 1})
			if err != nil || len(due) == 0 {
				return err
			}
			claimed = &due[0]
			counts, err = d.fire(ctx, tx, due[0])
			return err
		})
		if err == nil {
			d.stats.add(counts)
		}
		if err != nil && claimed != nil && ctx.Err() == nil {
			d.cfg.Logger.LogAttrs(ctx, slog.LevelError, "timer dropped", slog.String("tenant", claimed.Tenant),
				slog.String("complaint", claimed.ComplaintID), slog.String("kind", claimed.Kind), slog.String("error", err.Error()))
			if derr := d.dropTimer(ctx, *claimed); derr != nil {
				return n, errors.Join(err, derr)
			}
			err = nil
		}
		if err != nil {
			return n, err
		}
		if claimed == nil {
			return n, nil
		}
		n++
	}
	return n, nil
}

// dropTimer consumes a timer whose firing keeps failing, so it cannot block the others.
func (d *Desk) dropTimer(ctx context.Context, tm storage.Timer) error {
	return d.store.Update(ctx, func(tx storage.Tx) error {
		return tx.TimerDelete(ctx, &storage.TimerDeleteParams{Tenant: tm.Tenant, ComplaintID: tm.ComplaintID, Kind: tm.Kind})
	})
}

// fire runs the handler of one claimed timer inside the scanner's transaction, and says what it
// recorded (SLA warnings and breaches), for Desk.Stats once the transaction commits.
func (d *Desk) fire(ctx context.Context, tx storage.Tx, tm storage.Timer) (scanCounts, error) {
	cur, err := tx.ComplaintGet(ctx, &storage.ComplaintGetParams{Tenant: tm.Tenant, ID: tm.ComplaintID})
	if errors.Is(err, storage.ErrNotFound) {
		return scanCounts{}, nil
	}
	if err != nil {
		return scanCounts{}, err
	}
	handler := d.timerHandler(tm.Kind)
	if handler == nil {
		d.cfg.Logger.LogAttrs(ctx, slog.LevelWarn, "timer of unknown kind dropped", slog.String("kind", tm.Kind))
		return scanCounts{}, nil
	}
	ch := &change{before: cur, after: cur.Clone()}
	acted, err := handler(ctx, tx, tm, ch)
	if err != nil {
		return scanCounts{}, fmt.Errorf("redress: timer %s of complaint %s: %w", tm.Kind, tm.ComplaintID, err)
	}
	if !acted {
		// Stale: nothing happens to the complaint, but its timers must still match what it wants (and
		// a clock may have breached silently, which is worth a new version).
		ch.after, ch.events = cur.Clone(), nil
		if err := d.beforeWrite(ctx, tx, ch); err != nil {
			return scanCounts{}, err
		}
		if ch.after.Breached != cur.Breached {
			return countsOf(cur, ch), d.write(ctx, tx, ch)
		}
		return scanCounts{}, d.syncTimers(ctx, tx, ch)
	}
	if err := d.write(ctx, tx, ch); err != nil {
		return scanCounts{}, err
	}
	return countsOf(cur, ch), nil
}

// scanCounts is what the scanner recorded.
type scanCounts struct{ slaEvents, breaches int64 }

func (c *scanCounts) add(o scanCounts) { c.slaEvents += o.slaEvents; c.breaches += o.breaches }

// countsOf counts the SLA level events of a change, and whether it turned the complaint breached.
func countsOf(before *complaint.Complaint, ch *change) scanCounts {
	var c scanCounts
	for _, ev := range ch.events {
		if ev.Type == complaint.EventSLA {
			c.slaEvents++
		}
	}
	if ch.after.Breached && !before.Breached {
		c.breaches++
	}
	return c
}

// deskStats are the scanner's running totals.
type deskStats struct{ slaEvents, breaches atomic.Int64 }

func (s *deskStats) add(c scanCounts) {
	s.slaEvents.Add(c.slaEvents)
	s.breaches.Add(c.breaches)
}

// Stats are running totals of what this Desk's scanner recorded since New, for metrics.
type Stats struct {
	// SLAEvents counts SLA level events (warnings and breaches) the scanner wrote.
	SLAEvents int64
	// SLABreaches counts complaints the scanner found breaching an SLA target for the first time.
	SLABreaches int64
}

// Stats returns the scanner's running totals (committed work only).
func (d *Desk) Stats() Stats {
	return Stats{SLAEvents: d.stats.slaEvents.Load(), SLABreaches: d.stats.breaches.Load()}
}

func (d *Desk) timerHandler(kind string) timerHandler {
	if kind == TimerAutoClose {
		return d.fireAutoClose
	}
	for prefix, h := range d.timerHandlers {
		if strings.HasPrefix(kind, prefix) {
			return h
		}
	}
	return nil
}
