package postgres

import (
	"context"
	"errors"
	"fmt"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
	"pgregory.net/rapid"

	"github.com/redresshq/redress/complaint"
	"github.com/redresshq/redress/storage"
	"github.com/redresshq/redress/storage/memory"
)

// errClass reduces an error to the contract sentinel it matches, so two stores' errors compare.
func errClass(err error) string {
	for _, s := range []error{storage.ErrNotFound, storage.ErrConflict, storage.ErrDuplicate, storage.ErrInvalid, storage.ErrBadCursor} {
		if errors.Is(err, s) {
			return s.Error()
		}
	}
	if err != nil {
		return "other: " + err.Error()
	}
	return "ok"
}

// modelPair runs every operation on the PostgreSQL store and on the in-memory reference adapter and
// fails when they disagree, on results or on the error class.
type modelPair struct {
	t      *rapid.T
	ctx    context.Context
	pg     storage.Store
	mem    storage.Store
	tenant string
	ids    []string // complaints inserted so far (in both, since they agree)
}

func (m *modelPair) update(what string, fn func(tx storage.Tx) (any, error)) {
	var pgOut, memOut any
	pgErr := m.pg.Update(m.ctx, func(tx storage.Tx) error { var err error; pgOut, err = fn(tx); return err })
	memErr := m.mem.Update(m.ctx, func(tx storage.Tx) error { var err error; memOut, err = fn(tx); return err })
	require.Equal(m.t, errClass(memErr), errClass(pgErr), "%s: errors differ (memory: %v, postgres: %v)", what, memErr, pgErr)
	if memErr == nil {
		require.Equal(m.t, memOut, pgOut, "%s", what)
	}
}

func (m *modelPair) view(what string, fn func(tx storage.ReadTx) (any, error)) {
	var pgOut, memOut any
	pgErr := m.pg.View(m.ctx, func(tx storage.ReadTx) error { var err error; pgOut, err = fn(tx); return err })
	memErr := m.mem.View(m.ctx, func(tx storage.ReadTx) error { var err error; memOut, err = fn(tx); return err })
	require.Equal(m.t, errClass(memErr), errClass(pgErr), "%s: errors differ (memory: %v, postgres: %v)", what, memErr, pgErr)
	if memErr == nil {
		require.Equal(m.t, memOut, pgOut, "%s", what)
	}
}

var (
	modelStatuses = []complaint.Status{complaint.StatusReceived, complaint.StatusInvestigating, complaint.StatusResolved, complaint.StatusClosed}
	modelQueues   = []string{"", "frontline", "experts"}
	modelTags     = []string{"vip", "refund", "安全"}
	modelChannels = []string{"web", "wechat"}
)

func (m *modelPair) drawComplaint(t *rapid.T) *complaint.Complaint {
	i := rapid.IntRange(0, 40).Draw(t, "i")
	created := epoch.Add(time.Duration(rapid.IntRange(0, 20).Draw(t, "minute")) * time.Minute)
	return &complaint.Complaint{
		ID:           fmt.Sprintf("%s-%02d", m.tenant, i),
		Tenant:       m.tenant,
		TrackingCode: fmt.Sprintf("TC-%02d", rapid.IntRange(0, 40).Draw(t, "code")),
		Channel:      rapid.SampledFrom(modelChannels).Draw(t, "channel"),
		ExternalRef:  rapid.SampledFrom([]string{"", "", "r1", "r2", "r3"}).Draw(t, "ref"),
		Customer:     complaint.Customer{ID: rapid.SampledFrom([]string{"c1", "c2"}).Draw(t, "customer")},
		Subject:      "s",
		Description:  "d",
		Category:     rapid.SampledFrom([]string{"quality", "billing"}).Draw(t, "category"),
		Severity:     rapid.SampledFrom([]complaint.Severity{"", complaint.SeverityLow, complaint.SeverityHigh}).Draw(t, "severity"),
		Queue:        rapid.SampledFrom(modelQueues).Draw(t, "queue"),
		Status:       rapid.SampledFrom(modelStatuses).Draw(t, "status"),
		Tags:         rapid.SliceOfDistinct(rapid.SampledFrom(modelTags), rapid.ID).Draw(t, "tags"),
		Version:      1,
		CreatedAt:    created.Add(time.Duration(rapid.IntRange(0, 999).Draw(t, "nanos"))), // sub-microsecond noise
		UpdatedAt:    created,
	}
}

func (m *modelPair) drawID(t *rapid.T) string {
	if len(m.ids) == 0 || rapid.IntRange(0, 9).Draw(t, "unknown") == 0 {
		return m.tenant + "-unknown"
	}
	return rapid.SampledFrom(m.ids).Draw(t, "id")
}

func (m *modelPair) step(t *rapid.T) {
	switch rapid.IntRange(0, 7).Draw(t, "action") {
	case 0, 1: // insert
		c := m.drawComplaint(t)
		m.update("insert "+c.ID, func(tx storage.Tx) (any, error) {
			return nil, tx.ComplaintInsert(m.ctx, &storage.ComplaintInsertParams{Tenant: m.tenant, Complaint: c.Clone()})
		})
		if m.mem.View(m.ctx, func(tx storage.ReadTx) error {
			_, err := tx.ComplaintGet(m.ctx, &storage.ComplaintGetParams{Tenant: m.tenant, ID: c.ID})
			return err
		}) == nil {
			m.ids = append(m.ids, c.ID)
		}
	case 2: // update, sometimes from a stale version, sometimes changing fields that never change
		id := m.drawID(t)
		stale := rapid.Bool().Draw(t, "stale")
		changes := m.drawComplaint(t)
		m.update("update "+id, func(tx storage.Tx) (any, error) {
			cur, err := tx.ComplaintGet(m.ctx, &storage.ComplaintGetParams{Tenant: m.tenant, ID: id})
			if err != nil {
				return nil, err
			}
			next := changes.Clone()
			next.ID = id
			next.Version = cur.Version + 1
			expected := cur.Version
			if stale {
				expected--
				next.Version--
			}
			return nil, tx.ComplaintUpdate(m.ctx, &storage.ComplaintUpdateParams{Tenant: m.tenant, Complaint: next, ExpectedVersion: expected})
		})
	case 3: // events
		id := m.drawID(t)
		seqs := rapid.SliceOfN(rapid.Int64Range(1, 4), 1, 3).Draw(t, "seqs")
		m.update("append "+id, func(tx storage.Tx) (any, error) {
			var evs []complaint.Event
			for _, seq := range seqs {
				evs = append(evs, fixtureEvent(&complaint.Complaint{ID: id, Tenant: m.tenant, Channel: "web", CreatedAt: epoch}, seq))
			}
			return nil, tx.EventAppend(m.ctx, &storage.EventAppendParams{Tenant: m.tenant, Events: evs})
		})
		m.view("events "+id, func(tx storage.ReadTx) (any, error) {
			return tx.EventList(m.ctx, &storage.EventListParams{Tenant: m.tenant, ComplaintID: id, AfterSeq: 1})
		})
	case 4: // timers
		id := m.drawID(t)
		kind := rapid.SampledFrom([]string{"warn", "breach"}).Draw(t, "kind")
		due := epoch.Add(time.Duration(rapid.IntRange(0, 5).Draw(t, "due")) * time.Hour)
		m.update("timer "+id, func(tx storage.Tx) (any, error) {
			return nil, tx.TimerSet(m.ctx, &storage.TimerSetParams{Tenant: m.tenant, Timer: storage.Timer{Tenant: m.tenant, ComplaintID: id, Kind: kind, DueAt: due}})
		})
	case 5: // claim due timers of this tenant
		now := epoch.Add(time.Duration(rapid.IntRange(0, 5).Draw(t, "now")) * time.Hour)
		limit := rapid.IntRange(1, 4).Draw(t, "limit")
		m.update("claim", func(tx storage.Tx) (any, error) {
			return tx.TimerClaimDue(m.ctx, &storage.TimerClaimDueParams{Tenant: m.tenant, Now: now, Limit: limit})
		})
	case 6: // list every page with random filters
		p := storage.ComplaintListParams{
			Tenant: m.tenant,
			Limit:  rapid.IntRange(1, 4).Draw(t, "page"),
			Queue:  rapid.SampledFrom(modelQueues).Draw(t, "filter queue"),
			Tags:   rapid.SliceOfNDistinct(rapid.SampledFrom(modelTags), 0, 1, rapid.ID).Draw(t, "filter tags"),
		}
		p.Statuses = rapid.SliceOfNDistinct(rapid.SampledFrom(modelStatuses), 0, 3, rapid.ID).Draw(t, "filter statuses")
		if rapid.Bool().Draw(t, "window") {
			p.CreatedFrom = epoch.Add(time.Duration(rapid.IntRange(0, 10).Draw(t, "from")) * time.Minute)
			p.CreatedTo = p.CreatedFrom.Add(5 * time.Minute)
		}
		m.view("list", func(tx storage.ReadTx) (any, error) {
			p := p // each store pages from the start
			var ids []string
			for pages := 0; pages < 50; pages++ {
				page, err := tx.ComplaintList(m.ctx, &p)
				if err != nil {
					return nil, err
				}
				for _, c := range page.Complaints {
					ids = append(ids, c.ID)
				}
				if page.Next == "" {
					return ids, nil
				}
				p.Cursor = page.Next
			}
			return nil, errors.New("more than 50 pages")
		})
	case 7: // aggregates and lookups
		d := rapid.SampledFrom([]storage.Dimension{storage.ByCategory, storage.ByQueue, storage.ByStatus, storage.BySeverity, storage.ByChannel, storage.ByDay}).Draw(t, "dimension")
		code := fmt.Sprintf("TC-%02d", rapid.IntRange(0, 40).Draw(t, "code"))
		ref := rapid.SampledFrom([]string{"r1", "r2", "r3"}).Draw(t, "ref")
		channel := rapid.SampledFrom(modelChannels).Draw(t, "channel")
		m.view("count", func(tx storage.ReadTx) (any, error) {
			return tx.ComplaintCount(m.ctx, &storage.ComplaintCountParams{Tenant: m.tenant, GroupBy: d, CreatedTo: epoch.Add(15 * time.Minute)})
		})
		m.view("by code", func(tx storage.ReadTx) (any, error) {
			return tx.ComplaintGetByTrackingCode(m.ctx, &storage.ComplaintGetByTrackingCodeParams{Tenant: m.tenant, TrackingCode: code})
		})
		m.view("by ref", func(tx storage.ReadTx) (any, error) {
			return tx.ComplaintGetByExternalRef(m.ctx, &storage.ComplaintGetByExternalRefParams{Tenant: m.tenant, Channel: channel, ExternalRef: ref})
		})
	}
}

func TestAgreesWithMemoryStore(t *testing.T) {
	// One schema for every run: each run uses a tenant of its own and only tenant-scoped operations,
	// so runs do not see each other.
	pg := newStore(t)
	var run atomic.Int64
	rapid.Check(t, func(rt *rapid.T) {
		m := &modelPair{t: rt, ctx: t.Context(), pg: pg, mem: memory.New(), tenant: fmt.Sprintf("run%d", run.Add(1))}
		steps := rapid.IntRange(1, 25).Draw(rt, "steps")
		for range steps {
			m.step(rt)
		}
		// Finally every complaint reads back the same.
		for _, id := range m.ids {
			m.view("get "+id, func(tx storage.ReadTx) (any, error) {
				return tx.ComplaintGet(m.ctx, &storage.ComplaintGetParams{Tenant: m.tenant, ID: id})
			})
		}
	})
}
