package main

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"fmt"
	"os"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/redresshq/redress/complaint"
	"github.com/redresshq/redress/storage"
)

// ErrNotEmpty is returned by Load when the store already holds complaints of a tenant it would write:
// loading twice with one seed would collide on every ID, and mixing data sets skews every figure.
var ErrNotEmpty = errors.New("redress-load: the store already holds complaints")

// Totals are what Load wrote.
type Totals struct {
	Complaints, Events, Timers int64
	Batches                    int
	Elapsed                    time.Duration
}

// Load writes every batch of g into st, one transaction per batch, with workers batches generated and
// written at a time (a SQLite store takes one writer at a time, but generation overlaps with it). It
// calls progress (when not nil) after each committed batch with the batches done so far. It stops at
// the first error (ctx's included) and returns it with what was committed: batches are independent,
// so a stopped load leaves whole batches and no partial complaint.
func Load(ctx context.Context, st storage.Store, g *Generator, workers int, progress func(done int, t Totals)) (Totals, error) {
	if workers < 1 {
		return Totals{}, fmt.Errorf("%w: %d workers", ErrSpec, workers)
	}
	for _, tenant := range g.spec.Tenants {
		if err := checkEmpty(ctx, st, tenant); err != nil {
			return Totals{}, err
		}
	}
	start := time.Now()
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	var (
		next                     atomic.Int64
		mu                       sync.Mutex
		tot                      Totals
		firstErr                 error
		complaints, events, tmrs atomic.Int64
		wg                       sync.WaitGroup
	)
	fail := func(err error) {
		mu.Lock()
		if firstErr == nil {
			firstErr = err
		}
		mu.Unlock()
		cancel()
	}
	for range workers {
		wg.Go(func() {
			for {
				b := int(next.Add(1) - 1)
				if b >= g.Batches() || ctx.Err() != nil {
					return
				}
				recs, err := g.Batch(b)
				if err != nil {
					fail(err)
					return
				}
				if err := writeBatch(ctx, st, recs); err != nil {
					fail(fmt.Errorf("redress-load: batch %d: %w", b, err))
					return
				}
				var ne, nt int64
				for _, r := range recs {
					ne += int64(len(r.Events))
					nt += int64(len(r.Timers))
				}
				mu.Lock()
				tot.Batches++
				tot.Complaints = complaints.Add(int64(len(recs)))
				tot.Events = events.Add(ne)
				tot.Timers = tmrs.Add(nt)
				tot.Elapsed = time.Since(start)
				if progress != nil {
					progress(tot.Batches, tot)
				}
				mu.Unlock()
			}
		})
	}
	wg.Wait()
	mu.Lock()
	defer mu.Unlock()
	tot.Elapsed = time.Since(start)
	if firstErr == nil && ctx.Err() != nil {
		firstErr = ctx.Err()
	}
	return tot, firstErr
}

func checkEmpty(ctx context.Context, st storage.Store, tenant string) error {
	return st.View(ctx, func(tx storage.ReadTx) error {
		page, err := tx.ComplaintList(ctx, &storage.ComplaintListParams{Tenant: tenant, Limit: 1})
		if err != nil {
			return fmt.Errorf("redress-load: checking tenant %s is empty: %w", tenant, err)
		}
		if len(page.Complaints) > 0 {
			return fmt.Errorf("%w: tenant %s (load into a new file or schema)", ErrNotEmpty, tenant)
		}
		return nil
	})
}

// writeBatch stores recs in one transaction through the storage API: each complaint, then all events
// of each tenant in one append, then the timers.
func writeBatch(ctx context.Context, st storage.Store, recs []Record) error {
	return st.Update(ctx, func(tx storage.Tx) error {
		var tenants []string
		events := map[string][]complaint.Event{}
		for _, r := range recs {
			c := r.Complaint
			if err := tx.ComplaintInsert(ctx, &storage.ComplaintInsertParams{Tenant: c.Tenant, Complaint: c}); err != nil {
				return err
			}
			if _, ok := events[c.Tenant]; !ok {
				tenants = append(tenants, c.Tenant)
			}
			events[c.Tenant] = append(events[c.Tenant], r.Events...)
		}
		for _, t := range tenants {
			if err := tx.EventAppend(ctx, &storage.EventAppendParams{Tenant: t, Events: events[t]}); err != nil {
				return err
			}
		}
		for _, r := range recs {
			for _, tm := range r.Timers {
				if err := tx.TimerSet(ctx, &storage.TimerSetParams{Tenant: tm.Tenant, Timer: tm}); err != nil {
					return err
				}
			}
		}
		return nil
	})
}

// peakRSS returns the process's peak resident set size (VmHWM in /proc/self/status), or 0 where
// there is no such file.
func peakRSS() int64 {
	b, err := os.ReadFile("/proc/self/status")
	if err != nil {
		return 0
	}
	sc := bufio.NewScanner(bytes.NewReader(b))
	for sc.Scan() {
		if v, ok := strings.CutPrefix(sc.Text(), "VmHWM:"); ok {
			kb, err := strconv.ParseInt(strings.TrimSpace(strings.TrimSuffix(strings.TrimSpace(v), "kB")), 10, 64)
			if err != nil {
				return 0
			}
			return kb << 10
		}
	}
	return 0
}
