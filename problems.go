package redress

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"slices"
	"time"

	"github.com/redresshq/redress/complaint"
	"github.com/redresshq/redress/rca"
	"github.com/redresshq/redress/storage"
)

// Problem records group complaints that share a cause. The rca package holds the rules (what a valid
// analysis is, when an action may move, when a problem may close); the Desk loads a problem, applies
// one rca operation, and stores it under its version together with the events that the operation
// implies on the linked complaints, in one transaction.
//
// Authorization asks Config.Authorizer about ActionProblemOpen, ActionProblemChange and
// ActionProblemClose with a nil complaint (a problem is not one complaint); routing.Policy evaluates
// such a request against an empty complaint record, so rules that read complaint fields see zero
// values. The params carry "op", "problem" and "category".

// OpenProblem validates and stores a new problem; each linked complaint (which must exist in the
// tenant) gets an EventProblemLinked event in the same transaction. It returns ErrInvalid for a request
// without tenant or actor, a *rca.ValidationError (matching rca.ErrInvalid) for a bad analysis, an
// error matching ErrNotFound naming a complaint that does not exist, and an error matching ErrDenied.
// With Config.Outbox a TopicProblemOpened message goes out in the same transaction.
func (d *Desk) OpenProblem(ctx context.Context, r OpenProblemRequest) (*rca.Problem, error) {
	if err := checkTenant(r.Tenant); err != nil {
		return nil, err
	}
	if err := checkActor(r.Actor); err != nil {
		return nil, err
	}
	if err := d.authorize(ctx, r.Actor, ActionProblemOpen, nil, map[string]any{
		"op": "open", "category": r.Analysis.Category, "complaints": len(r.Complaints)}); err != nil {
		return nil, err
	}
	p, err := rca.New(d.cfg.NewID(), r.Tenant, d.now(), r.Analysis, r.Complaints...)
	if err != nil {
		return nil, err
	}
	err = d.update(ctx, 0, func(tx storage.Tx) error {
		if err := tx.ProblemInsert(ctx, &storage.ProblemInsertParams{Tenant: r.Tenant, Problem: p}); err != nil {
			return err
		}
		if err := d.linkEvents(ctx, tx, p, r.Actor, p.Complaints); err != nil {
			return err
		}
		if d.cfg.Outbox {
			return d.enqueue(ctx, tx, r.Tenant, TopicProblemOpened, p.ID, d.now(), ProblemPayload{Problem: p})
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	d.cfg.Logger.LogAttrs(ctx, slog.LevelInfo, "problem opened", slog.String("tenant", p.Tenant), slog.String("id", p.ID),
		slog.Int("complaints", len(p.Complaints)))
	return p, nil
}

// linkEvents appends an internal EventProblemLinked to each complaint in ids.
func (d *Desk) linkEvents(ctx context.Context, tx storage.Tx, p *rca.Problem, actor complaint.Actor, ids []string) error {
	for _, id := range ids {
		_, err := d.changeIn(ctx, tx, p.Tenant, id, func(ch *change) error {
			d.addEvent(ch, complaint.Event{Type: EventProblemLinked, Actor: actor.ID, At: d.now(),
				Attrs: map[string]string{"problem": p.ID, "title": p.Title}})
			return nil
		})
		if err != nil {
			return err
		}
	}
	return nil
}

// Problem returns one problem record, or ErrNotFound (also for another tenant's problem).
func (d *Desk) Problem(ctx context.Context, tenant, id string) (*rca.Problem, error) {
	if err := checkTenant(tenant); err != nil {
		return nil, err
	}
	var p *rca.Problem
	err := d.store.View(ctx, func(tx storage.ReadTx) error {
		var err error
		p, err = tx.ProblemGet(ctx, &storage.ProblemGetParams{Tenant: tenant, ID: id})
		return err
	})
	return p, err
}

// Problems lists problem records, newest first, filtered and paged as storage.ProblemListParams says
// (a malformed cursor is storage.ErrBadCursor).
func (d *Desk) Problems(ctx context.Context, p *storage.ProblemListParams) (*storage.ProblemPage, error) {
	if p == nil {
		return nil, fmt.Errorf("%w: no list parameters", ErrInvalid)
	}
	if err := checkTenant(p.Tenant); err != nil {
		return nil, err
	}
	var page *storage.ProblemPage
	err := d.store.View(ctx, func(tx storage.ReadTx) error {
		var err error
		page, err = tx.ProblemList(ctx, p)
		return err
	})
	return page, err
}

// ChangeProblem applies one operation to a problem record under its version and returns the stored
// record. What each operation does is rca's: Revise, Link, AddAction, StartAction, CompleteAction,
// VerifyAction (Verification.By defaults to the actor), ReworkAction, Close and Reopen.
//
// ProblemLink appends an internal EventProblemLinked to each newly linked complaint. ProblemClose
// appends EventProblemClosed to every linked complaint — public, with a note for the customer's
// tracking page, when NotifyCustomers is set, internal otherwise — and, with Config.Outbox, a
// TopicProblemClosed message, all in the transaction that closes the problem.
//
// Errors: ErrInvalid (no tenant, actor or ID, unknown Op, ProblemLink without complaints), ErrNotFound
// (the problem, or a complaint to link), ErrConflict (ExpectedVersion is stale), ErrDenied, and rca's
// typed errors unchanged: *rca.ValidationError (an action without owner or due date, ...),
// *rca.ActionStateError, rca.ErrNoAction, rca.ErrClosed, rca.ErrNotClosed and *rca.CloseError (a
// corrective action not verified effective). On error nothing is stored.
func (d *Desk) ChangeProblem(ctx context.Context, r ProblemRequest) (*rca.Problem, error) {
	if err := checkTenant(r.Tenant); err != nil {
		return nil, err
	}
	if err := checkActor(r.Actor); err != nil {
		return nil, err
	}
	if r.ID == "" {
		return nil, fmt.Errorf("%w: no problem ID", ErrInvalid)
	}
	action := ActionProblemChange
	switch r.Op {
	case ProblemRevise, ProblemAddAction, ProblemStartAction, ProblemCompleteAction, ProblemVerifyAction,
		ProblemReworkAction, ProblemReopen:
	case ProblemLink:
		if len(r.Complaints) == 0 {
			return nil, &rca.ValidationError{Fields: []complaint.FieldError{{Field: "complaints", Code: "required", Message: "name the complaints to link"}}}
		}
	case ProblemClose:
		action = ActionProblemClose
	default:
		return nil, fmt.Errorf("%w: unknown problem operation %q", ErrInvalid, r.Op)
	}
	var out *rca.Problem
	err := d.update(ctx, r.ExpectedVersion, func(tx storage.Tx) error {
		cur, err := tx.ProblemGet(ctx, &storage.ProblemGetParams{Tenant: r.Tenant, ID: r.ID})
		if err != nil {
			return err
		}
		if r.ExpectedVersion != 0 && cur.Version != r.ExpectedVersion {
			return fmt.Errorf("%w: problem %s is at version %d, not %d", storage.ErrConflict, r.ID, cur.Version, r.ExpectedVersion)
		}
		if err := d.authorize(ctx, r.Actor, action, nil, map[string]any{
			"op": string(r.Op), "problem": cur.ID, "category": cur.Category}); err != nil {
			return err
		}
		p := cur.Clone()
		now := d.now()
		var linked, closed []string
		switch r.Op {
		case ProblemRevise:
			err = p.Revise(now, r.Analysis)
		case ProblemLink:
			for _, id := range r.Complaints {
				if !slices.Contains(p.Complaints, id) && !slices.Contains(linked, id) {
					linked = append(linked, id)
				}
			}
			err = p.Link(now, r.Complaints...)
		case ProblemAddAction:
			_, err = p.AddAction(now, r.Action)
		case ProblemStartAction:
			_, err = p.StartAction(now, r.ActionID)
		case ProblemCompleteAction:
			_, err = p.CompleteAction(now, r.ActionID)
		case ProblemVerifyAction:
			v := r.Verification
			if v.By == "" {
				v.By = r.Actor.ID
			}
			_, err = p.VerifyAction(now, r.ActionID, v)
		case ProblemReworkAction:
			_, err = p.ReworkAction(now, r.ActionID, r.Due)
		case ProblemClose:
			closed, err = p.Close(now)
		case ProblemReopen:
			err = p.Reopen(now)
		}
		if err != nil {
			return err
		}
		p.Version = cur.Version + 1
		if err := tx.ProblemUpdate(ctx, &storage.ProblemUpdateParams{Tenant: r.Tenant, Problem: p, ExpectedVersion: cur.Version}); err != nil {
			return err
		}
		if err := d.linkEvents(ctx, tx, p, r.Actor, linked); err != nil {
			return err
		}
		if r.Op == ProblemClose {
			if err := d.closeEvents(ctx, tx, p, r.Actor, closed, r.NotifyCustomers); err != nil {
				return err
			}
			if d.cfg.Outbox {
				if err := d.enqueue(ctx, tx, r.Tenant, TopicProblemClosed, p.ID, now,
					ProblemPayload{Problem: p, NotifyCustomers: r.NotifyCustomers}); err != nil {
					return err
				}
			}
		}
		out = p
		return nil
	})
	if err != nil {
		return nil, err
	}
	d.cfg.Logger.LogAttrs(ctx, slog.LevelInfo, "problem changed", slog.String("tenant", out.Tenant), slog.String("id", out.ID),
		slog.String("op", string(r.Op)), slog.Int64("version", out.Version))
	return out, nil
}

// ProblemClosedNote is the note customers see on their tracking page when a problem behind their
// complaint is closed with notification. It says what happened without the team's internal analysis.
const ProblemClosedNote = "We found the cause of the problem you reported and have fixed it; the fix was checked and works. Thank you for telling us."

// closeEvents appends EventProblemClosed to the complaints of a closed problem.
func (d *Desk) closeEvents(ctx context.Context, tx storage.Tx, p *rca.Problem, actor complaint.Actor, ids []string, notify bool) error {
	for _, id := range ids {
		_, err := d.changeIn(ctx, tx, p.Tenant, id, func(ch *change) error {
			ev := complaint.Event{Type: EventProblemClosed, Actor: actor.ID, At: d.now(), Public: notify,
				Attrs: map[string]string{"problem": p.ID, "title": p.Title}}
			if notify {
				ev.Note = ProblemClosedNote
			}
			d.addEvent(ch, ev)
			return nil
		})
		if err != nil {
			return err
		}
	}
	return nil
}

// scanOverdue reports the corrective actions that fell overdue: it lists the problems due for a report
// (storage ProblemListDue, across tenants, DefaultScanBatch at a time) and, for each, in its own
// transaction, re-reads it, moves its OverdueReportedAt with rca.Problem.ReportOverdue, stores it under
// its version, appends an EventActionOverdue per action to each linked complaint and, with
// Config.Outbox, enqueues one TopicActionOverdue message per action; each action is also logged. A version conflict means another scanner reported the problem first, so it is
// skipped: every overdue action is reported exactly once. It returns how many problems it reported.
func (d *Desk) scanOverdue(ctx context.Context) (int, error) {
	reported := 0
	for range maxBatchesPerRun {
		var due []*rca.Problem
		err := d.store.View(ctx, func(tx storage.ReadTx) error {
			var err error
			due, err = tx.ProblemListDue(ctx, &storage.ProblemListDueParams{Now: d.now(), Limit: DefaultScanBatch})
			return err
		})
		if err != nil || len(due) == 0 {
			return reported, err
		}
		progress := 0
		var errs []error
		for _, p := range due {
			ok, err := d.reportOverdue(ctx, p.Tenant, p.ID)
			if err != nil {
				if ctx.Err() != nil {
					return reported, ctx.Err()
				}
				d.cfg.Logger.LogAttrs(ctx, slog.LevelError, "overdue report failed", slog.String("tenant", p.Tenant),
					slog.String("problem", p.ID), slog.String("error", err.Error()))
				errs = append(errs, err)
				continue
			}
			if ok {
				progress++
				reported++
			}
		}
		// Nothing moved: another scanner took this batch, or it keeps failing; stop rather than spin.
		if progress == 0 {
			return reported, errors.Join(errs...)
		}
	}
	return reported, nil
}

// reportOverdue reports one problem's newly overdue actions; false means there was nothing to report
// (another scanner did it).
func (d *Desk) reportOverdue(ctx context.Context, tenant, id string) (bool, error) {
	var p *rca.Problem
	var acts []rca.Action
	err := d.store.Update(ctx, func(tx storage.Tx) error {
		acts = nil
		cur, err := tx.ProblemGet(ctx, &storage.ProblemGetParams{Tenant: tenant, ID: id})
		if errors.Is(err, storage.ErrNotFound) {
			return nil
		}
		if err != nil {
			return err
		}
		p = cur.Clone()
		now := d.now()
		acts = p.ReportOverdue(now)
		if len(acts) == 0 {
			return nil
		}
		p.Version = cur.Version + 1
		if err := tx.ProblemUpdate(ctx, &storage.ProblemUpdateParams{Tenant: tenant, Problem: p, ExpectedVersion: cur.Version}); err != nil {
			return err
		}
		// Each linked complaint's trail records the overdue actions, as it records SLA levels; with the
		// outbox on, each event also goes out as complaint.action_overdue.
		for _, cid := range p.Complaints {
			c, err := tx.ComplaintGet(ctx, &storage.ComplaintGetParams{Tenant: tenant, ID: cid})
			if errors.Is(err, storage.ErrNotFound) {
				continue
			}
			if err != nil {
				return err
			}
			ch := &change{before: c, after: c.Clone()}
			for _, a := range acts {
				d.addEvent(ch, complaint.Event{Type: EventActionOverdue, Actor: SystemActor.ID, At: now, Attrs: map[string]string{
					"problem": p.ID, "action": a.ID, "kind": string(a.Kind), "owner": a.Owner, "due": a.Due.UTC().Format(time.RFC3339)}})
			}
			if err := d.write(ctx, tx, ch); err != nil {
				return err
			}
		}
		if !d.cfg.Outbox {
			return nil
		}
		for _, a := range acts {
			if err := d.enqueue(ctx, tx, tenant, TopicActionOverdue, p.ID, now, ActionOverduePayload{
				Tenant: tenant, ProblemID: p.ID, Title: p.Title, Action: a, ReportedAt: now}); err != nil {
				return err
			}
		}
		return nil
	})
	if errors.Is(err, storage.ErrConflict) {
		return false, nil
	}
	if err != nil || len(acts) == 0 {
		return false, err
	}
	for _, a := range acts {
		d.cfg.Logger.LogAttrs(ctx, slog.LevelWarn, "corrective action overdue", slog.String("tenant", tenant),
			slog.String("problem", p.ID), slog.String("action", a.ID), slog.String("kind", string(a.Kind)),
			slog.String("owner", a.Owner), slog.Time("due", a.Due))
	}
	return true, nil
}
