package memory

import (
	"context"
	"errors"
	"maps"
	"slices"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
	"pgregory.net/rapid"

	"github.com/redresshq/redress/complaint"
	"github.com/redresshq/redress/feedback"
	"github.com/redresshq/redress/rca"
	"github.com/redresshq/redress/storage"
	"github.com/redresshq/redress/storage/storagetest"
)

// state is a deep copy of everything a Store holds, for comparing before and after.
type state struct {
	complaints map[string]complaint.Complaint
	byCode     map[codeKey]string
	byRef      map[refKey]string
	events     map[string][]complaint.Event
	timers     map[timerKey]time.Time
	outbox     map[string]storage.OutboxMessage
	problems   map[string]*rca.Problem
	surveys    map[string]*feedback.Survey
	byToken    map[string]string
	rows       map[string][]aggRow
	pos        map[string]map[string]int
}

func snapshot(s *Store) state {
	st := state{
		complaints: map[string]complaint.Complaint{},
		byCode:     maps.Clone(s.byCode),
		byRef:      maps.Clone(s.byRef),
		events:     map[string][]complaint.Event{},
		timers:     maps.Clone(s.timers),
		outbox:     map[string]storage.OutboxMessage{},
		problems:   map[string]*rca.Problem{},
		surveys:    map[string]*feedback.Survey{},
		byToken:    maps.Clone(s.byToken),
		rows:       map[string][]aggRow{},
		pos:        map[string]map[string]int{},
	}
	for tenant, tr := range s.rows {
		if len(tr.rows) > 0 { // a tenant whose only insert was undone keeps an empty entry
			st.rows[tenant] = slices.Clone(tr.rows)
			st.pos[tenant] = maps.Clone(tr.pos)
		}
	}
	for id, p := range s.problems {
		st.problems[id] = p.Clone()
	}
	for id, sv := range s.surveys {
		st.surveys[id] = cloneSurvey(sv)
	}
	for id, c := range s.complaints {
		st.complaints[id] = *c.Clone()
	}
	for id, evs := range s.events {
		cp := make([]complaint.Event, len(evs))
		for i, e := range evs {
			e.Attrs = maps.Clone(e.Attrs)
			cp[i] = e
		}
		st.events[id] = cp
	}
	for id, m := range s.outbox {
		c := *m
		c.Payload = slices.Clone(m.Payload)
		st.outbox[id] = c
	}
	return st
}

// op is one random write against a small universe of tenants, complaints, sequence numbers, timer
// kinds, messages, problems and surveys, so that random sequences collide often (duplicates,
// conflicts, claims, surveys of complaints not yet inserted).
func drawOp(t *rapid.T) func(ctx context.Context, tx storage.Tx) error {
	tenant := rapid.SampledFrom([]string{"acme", "globex"}).Draw(t, "tenant")
	i := rapid.IntRange(0, 4).Draw(t, "complaint")
	c := storagetest.NewComplaint(tenant, i)
	now := storagetest.Epoch.Add(time.Duration(rapid.IntRange(0, 120).Draw(t, "minutes")) * time.Minute)
	switch kind := rapid.IntRange(0, 13).Draw(t, "op"); kind {
	case 0:
		return func(ctx context.Context, tx storage.Tx) error {
			return tx.ComplaintInsert(ctx, &storage.ComplaintInsertParams{Tenant: tenant, Complaint: c})
		}
	case 1:
		stale := rapid.Bool().Draw(t, "stale")
		return func(ctx context.Context, tx storage.Tx) error {
			cur, err := tx.ComplaintGet(ctx, &storage.ComplaintGetParams{Tenant: tenant, ID: c.ID})
			if err != nil {
				return err
			}
			next := cur.Clone()
			next.Version++
			next.Assignee = "changed"
			next.Tags = append(next.Tags, "more")
			expected := cur.Version
			if stale {
				expected--
			}
			return tx.ComplaintUpdate(ctx, &storage.ComplaintUpdateParams{Tenant: tenant, Complaint: next, ExpectedVersion: expected})
		}
	case 2:
		seqs := rapid.SliceOfN(rapid.Int64Range(1, 4), 1, 3).Draw(t, "seqs")
		return func(ctx context.Context, tx storage.Tx) error {
			var evs []complaint.Event
			for _, s := range seqs {
				evs = append(evs, storagetest.NewEvent(c, s))
			}
			return tx.EventAppend(ctx, &storage.EventAppendParams{Tenant: tenant, Events: evs})
		}
	case 3:
		k := rapid.SampledFrom([]string{"k1", "k2"}).Draw(t, "kind")
		return func(ctx context.Context, tx storage.Tx) error {
			return tx.TimerSet(ctx, &storage.TimerSetParams{Tenant: tenant, Timer: storage.Timer{Tenant: tenant, ComplaintID: c.ID, Kind: k, DueAt: now}})
		}
	case 4:
		k := rapid.SampledFrom([]string{"k1", "k2", ""}).Draw(t, "kind")
		return func(ctx context.Context, tx storage.Tx) error {
			return tx.TimerDelete(ctx, &storage.TimerDeleteParams{Tenant: tenant, ComplaintID: c.ID, Kind: k})
		}
	case 5:
		all := rapid.Bool().Draw(t, "all tenants")
		limit := rapid.IntRange(1, 3).Draw(t, "limit")
		return func(ctx context.Context, tx storage.Tx) error {
			p := &storage.TimerClaimDueParams{Tenant: tenant, Now: now, Limit: limit}
			if all {
				p.Tenant = ""
			}
			_, err := tx.TimerClaimDue(ctx, p)
			return err
		}
	case 6:
		m := storagetest.NewOutboxMessage(tenant, i)
		return func(ctx context.Context, tx storage.Tx) error {
			return tx.OutboxEnqueue(ctx, &storage.OutboxEnqueueParams{Tenant: tenant, Messages: []storage.OutboxMessage{m}})
		}
	case 7:
		limit := rapid.IntRange(1, 3).Draw(t, "limit")
		return func(ctx context.Context, tx storage.Tx) error {
			_, err := tx.OutboxClaim(ctx, &storage.OutboxClaimParams{Now: now, Lease: time.Minute, Limit: limit})
			return err
		}
	case 8:
		id := storagetest.NewOutboxMessage(tenant, i).ID
		return func(ctx context.Context, tx storage.Tx) error {
			return tx.OutboxAck(ctx, &storage.OutboxAckParams{Tenant: tenant, ID: id})
		}
	case 10:
		p := storagetest.NewProblem(tenant, i, c.ID)
		return func(ctx context.Context, tx storage.Tx) error {
			return tx.ProblemInsert(ctx, &storage.ProblemInsertParams{Tenant: tenant, Problem: p})
		}
	case 11:
		stale := rapid.Bool().Draw(t, "stale")
		return func(ctx context.Context, tx storage.Tx) error {
			cur, err := tx.ProblemGet(ctx, &storage.ProblemGetParams{Tenant: tenant, ID: storagetest.NewProblem(tenant, i).ID})
			if err != nil {
				return err
			}
			next := cur.Clone()
			next.Version++
			next.ReportOverdue(now.Add(30 * 24 * time.Hour))
			next.Team = append(next.Team, "more")
			expected := cur.Version
			if stale {
				expected--
			}
			return tx.ProblemUpdate(ctx, &storage.ProblemUpdateParams{Tenant: tenant, Problem: next, ExpectedVersion: expected})
		}
	case 12:
		k := rapid.IntRange(0, 1).Draw(t, "survey")
		return func(ctx context.Context, tx storage.Tx) error {
			return tx.SurveyInsert(ctx, &storage.SurveyInsertParams{Tenant: tenant, Survey: storagetest.NewSurvey(c, k)})
		}
	case 13:
		k := rapid.IntRange(0, 1).Draw(t, "survey")
		stale := rapid.Bool().Draw(t, "stale")
		return func(ctx context.Context, tx storage.Tx) error {
			cur, err := tx.SurveyGet(ctx, &storage.SurveyGetParams{Tenant: tenant, ID: storagetest.NewSurvey(c, k).ID})
			if err != nil {
				return err
			}
			next := cloneSurvey(cur)
			next.Version++
			next.Response.Scores = append(next.Response.Scores, feedback.Score{Kind: feedback.NPS, Value: 7})
			next.AnsweredAt = now
			expected := cur.Version
			if stale {
				expected--
			}
			return tx.SurveyUpdate(ctx, &storage.SurveyUpdateParams{Tenant: tenant, Survey: next, ExpectedVersion: expected})
		}
	default:
		id := storagetest.NewOutboxMessage(tenant, i).ID
		dead := rapid.Bool().Draw(t, "dead")
		return func(ctx context.Context, tx storage.Tx) error {
			return tx.OutboxNack(ctx, &storage.OutboxNackParams{Tenant: tenant, ID: id, NextAttemptAt: now, Error: "x", Dead: dead})
		}
	}
}

var errAbort = errors.New("abort")

// TestRollbackRestoresEverything: after any committed history, any sequence of writes in a transaction
// that then fails (by error or panic) leaves the store exactly as it was; and every single write that
// fails leaves the transaction's state as it was before that write.
func TestRollbackRestoresEverything(t *testing.T) {
	rapid.Check(t, func(t *rapid.T) {
		ctx := context.Background()
		s := New()
		failedOpChangedState := func(tx storage.Tx, op func(context.Context, storage.Tx) error) {
			before := snapshot(s)
			if err := op(ctx, tx); err != nil {
				require.Equal(t, before, snapshot(s), "a failed write (%v) changed the state", err)
			}
		}
		for range rapid.IntRange(0, 4).Draw(t, "committed transactions") {
			ops := rapid.SliceOfN(rapid.Custom(drawOp), 0, 8).Draw(t, "committed ops")
			require.NoError(t, s.Update(ctx, func(tx storage.Tx) error {
				for _, op := range ops {
					failedOpChangedState(tx, op)
				}
				return nil
			}))
		}
		before := snapshot(s)
		ops := rapid.SliceOfN(rapid.Custom(drawOp), 1, 12).Draw(t, "rolled back ops")
		viaPanic := rapid.Bool().Draw(t, "panic")
		func() {
			defer func() {
				if viaPanic {
					require.Equal(t, errAbort, recover())
				}
			}()
			err := s.Update(ctx, func(tx storage.Tx) error {
				for _, op := range ops {
					failedOpChangedState(tx, op)
				}
				if viaPanic {
					panic(errAbort)
				}
				return errAbort
			})
			require.ErrorIs(t, err, errAbort)
		}()
		require.Equal(t, before, snapshot(s), "the rolled-back transaction left a trace")
	})
}
