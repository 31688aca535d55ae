package main

import (
	"context"
	"encoding/json"
	"fmt"

	"github.com/redresshq/redress/storage"
)

// tx is the Tx that Update hands to fn. Reads reach the memory transaction through the embedded
// ReadTx, so a read method added to the contract later is forwarded without a change here. Writes
// are spelled out one by one, and on purpose not embedded: a write method added to the contract then
// stops this file compiling, instead of slipping past the journal and vanishing at the next Open.
//
// Like the memory store's transactions, a tx is for the goroutine running fn only.
type tx struct {
	storage.ReadTx
	mem storage.Tx
	ops []op // the successful writes so far, in call order
}

var _ storage.Tx = (*tx)(nil)

// encode turns p into the journal's form. It runs before the write, so the journal keeps the Params
// exactly as the memory store saw them even if the caller changes them afterwards. Params that JSON
// cannot carry are refused before anything changes.
func encode(name string, p any) (json.RawMessage, error) {
	raw, err := json.Marshal(p)
	if err != nil {
		return nil, fmt.Errorf("%w: customstore: %s: params cannot be journaled: %v", storage.ErrInvalid, name, err)
	}
	return raw, nil
}

// record runs one write through the memory transaction and, when it succeeds, remembers it. A write
// that fails changed nothing (the contract says so), so there is nothing to replay.
func record[P any](t *tx, ctx context.Context, name string, p *P, write func(context.Context, *P) error) error {
	raw, err := encode(name, p)
	if err != nil {
		return err
	}
	if err := write(ctx, p); err != nil {
		return err
	}
	t.ops = append(t.ops, op{Name: name, Params: raw})
	return nil
}

// claim is record for the claims, which return what they took. A claim that took nothing changed
// nothing and is not recorded, so a scanner polling an idle store writes no lines.
func claim[P, R any](t *tx, ctx context.Context, name string, p *P, take func(context.Context, *P) ([]R, error)) ([]R, error) {
	raw, err := encode(name, p)
	if err != nil {
		return nil, err
	}
	got, err := take(ctx, p)
	if err != nil {
		return nil, err
	}
	if len(got) > 0 {
		t.ops = append(t.ops, op{Name: name, Params: raw, Took: len(got)})
	}
	return got, nil
}

func (t *tx) ComplaintInsert(ctx context.Context, p *storage.ComplaintInsertParams) error {
	return record(t, ctx, "ComplaintInsert", p, t.mem.ComplaintInsert)
}

func (t *tx) ComplaintUpdate(ctx context.Context, p *storage.ComplaintUpdateParams) error {
	return record(t, ctx, "ComplaintUpdate", p, t.mem.ComplaintUpdate)
}

func (t *tx) EventAppend(ctx context.Context, p *storage.EventAppendParams) error {
	return record(t, ctx, "EventAppend", p, t.mem.EventAppend)
}

func (t *tx) TimerSet(ctx context.Context, p *storage.TimerSetParams) error {
	return record(t, ctx, "TimerSet", p, t.mem.TimerSet)
}

func (t *tx) TimerDelete(ctx context.Context, p *storage.TimerDeleteParams) error {
	return record(t, ctx, "TimerDelete", p, t.mem.TimerDelete)
}

func (t *tx) TimerClaimDue(ctx context.Context, p *storage.TimerClaimDueParams) ([]storage.Timer, error) {
	return claim(t, ctx, "TimerClaimDue", p, t.mem.TimerClaimDue)
}

func (t *tx) OutboxEnqueue(ctx context.Context, p *storage.OutboxEnqueueParams) error {
	return record(t, ctx, "OutboxEnqueue", p, t.mem.OutboxEnqueue)
}

func (t *tx) OutboxClaim(ctx context.Context, p *storage.OutboxClaimParams) ([]storage.OutboxMessage, error) {
	return claim(t, ctx, "OutboxClaim", p, t.mem.OutboxClaim)
}

func (t *tx) OutboxAck(ctx context.Context, p *storage.OutboxAckParams) error {
	return record(t, ctx, "OutboxAck", p, t.mem.OutboxAck)
}

func (t *tx) OutboxNack(ctx context.Context, p *storage.OutboxNackParams) error {
	return record(t, ctx, "OutboxNack", p, t.mem.OutboxNack)
}

func (t *tx) ProblemInsert(ctx context.Context, p *storage.ProblemInsertParams) error {
	return record(t, ctx, "ProblemInsert", p, t.mem.ProblemInsert)
}

func (t *tx) ProblemUpdate(ctx context.Context, p *storage.ProblemUpdateParams) error {
	return record(t, ctx, "ProblemUpdate", p, t.mem.ProblemUpdate)
}

func (t *tx) SurveyInsert(ctx context.Context, p *storage.SurveyInsertParams) error {
	return record(t, ctx, "SurveyInsert", p, t.mem.SurveyInsert)
}

func (t *tx) SurveyUpdate(ctx context.Context, p *storage.SurveyUpdateParams) error {
	return record(t, ctx, "SurveyUpdate", p, t.mem.SurveyUpdate)
}
