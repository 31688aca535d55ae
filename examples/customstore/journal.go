package main

import (
	"bufio"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"

	"github.com/redresshq/redress/storage"
)

// The journal is a text file with one JSON object per committed transaction, ending in a newline:
//
//	{"ops":[{"op":"ComplaintInsert","params":{"Tenant":"acme","Complaint":{...}}},{"op":"EventAppend",...}]}
//
// Each op names the storage.Tx method and carries its Params as encoding/json writes them; a claim
// also records how many rows it took ("took"), which replay checks. A line is committed once it is
// complete: it ends in a newline and decodes.

// op is one successful write of a transaction.
type op struct {
	Name   string          `json:"op"`
	Params json.RawMessage `json:"params"`
	// Took is, for TimerClaimDue and OutboxClaim, how many timers or messages the claim took.
	Took int `json:"took,omitempty"`
}

// line is one committed transaction.
type line struct {
	Ops []op `json:"ops"`
}

// CorruptError says which line of a journal Open refused and why. It matches [ErrCorrupt] and wraps
// the cause: a JSON syntax error, an unknown operation, or the storage error the operation met on
// replay (say storage.ErrDuplicate, when a line was copied twice).
type CorruptError struct {
	Path string
	Line int // 1-based
	Err  error
}

func (e *CorruptError) Error() string {
	return fmt.Sprintf("customstore: journal %s is corrupt at line %d: %v", e.Path, e.Line, e.Err)
}

// Unwrap returns the cause, so errors.Is finds a storage sentinel behind it.
func (e *CorruptError) Unwrap() error { return e.Err }

// Is makes every CorruptError match [ErrCorrupt].
func (e *CorruptError) Is(target error) bool { return target == ErrCorrupt }

// append writes one line for ops and syncs the file. The file was opened with O_APPEND, so the line
// lands at the end in one write call.
func (s *Store) append(ops []op) error {
	b, err := json.Marshal(line{Ops: ops})
	if err != nil {
		return fmt.Errorf("customstore: encode journal line: %w", err)
	}
	b = append(b, '\n')
	if _, err := s.f.Write(b); err != nil {
		return fmt.Errorf("customstore: append to journal: %w", err)
	}
	if err := s.f.Sync(); err != nil {
		return fmt.Errorf("customstore: sync journal: %w", err)
	}
	return nil
}

// replay reads the journal from the start and redoes each line in its own memory transaction. It
// returns the length of the committed prefix: everything but a torn last line. A bad line before the
// last is a *CorruptError.
func (s *Store) replay(ctx context.Context) (int64, error) {
	r := bufio.NewReader(s.f)
	var good int64
	for n := 1; ; n++ {
		b, err := r.ReadBytes('\n')
		switch {
		case errors.Is(err, io.EOF):
			// Clean end (b empty) or a last line without its newline: the write of a transaction
			// that never returned from Update. Either way the committed prefix ends here.
			return good, nil
		case err != nil:
			return 0, fmt.Errorf("customstore: read journal: %w", err)
		}
		var l line
		if err := json.Unmarshal(b, &l); err != nil {
			last, perr := atEnd(r)
			if perr != nil {
				return 0, perr
			}
			if last {
				// A crash can persist the end of a line before its start (zeros, then the newline);
				// the last line is the only one a crash can damage.
				return good, nil
			}
			return 0, &CorruptError{Path: s.path, Line: n, Err: err}
		}
		err = s.mem.Update(ctx, func(tx storage.Tx) error { return redoLine(ctx, tx, l) })
		if err != nil {
			if ctx.Err() != nil {
				return 0, fmt.Errorf("customstore: replay journal: %w", ctx.Err())
			}
			return 0, &CorruptError{Path: s.path, Line: n, Err: err}
		}
		good += int64(len(b))
	}
}

// atEnd reports whether r has nothing left.
func atEnd(r *bufio.Reader) (bool, error) {
	_, err := r.Peek(1)
	switch {
	case errors.Is(err, io.EOF):
		return true, nil
	case err != nil:
		return false, fmt.Errorf("customstore: read journal: %w", err)
	}
	return false, nil
}

// redoLine redoes the operations of one line in order.
func redoLine(ctx context.Context, tx storage.Tx, l line) error {
	if len(l.Ops) == 0 {
		return errors.New("a line without operations")
	}
	for i, o := range l.Ops {
		redo, ok := redos[o.Name]
		if !ok {
			return fmt.Errorf("operation %d: unknown operation %q", i+1, o.Name)
		}
		if err := redo(ctx, tx, o); err != nil {
			return fmt.Errorf("operation %d (%s): %w", i+1, o.Name, err)
		}
	}
	return nil
}

// redoFunc decodes an op's Params and calls the write again.
type redoFunc func(ctx context.Context, tx storage.Tx, o op) error

// redos maps every write of storage.Tx to its replay. Method expressions (storage.Tx.TimerSet) turn
// each interface method into a function of the transaction.
var redos = map[string]redoFunc{
	"ComplaintInsert": redo(storage.Tx.ComplaintInsert),
	"ComplaintUpdate": redo(storage.Tx.ComplaintUpdate),
	"EventAppend":     redo(storage.Tx.EventAppend),
	"TimerSet":        redo(storage.Tx.TimerSet),
	"TimerDelete":     redo(storage.Tx.TimerDelete),
	"TimerClaimDue":   redoClaim(storage.Tx.TimerClaimDue),
	"OutboxEnqueue":   redo(storage.Tx.OutboxEnqueue),
	"OutboxClaim":     redoClaim(storage.Tx.OutboxClaim),
	"OutboxAck":       redo(storage.Tx.OutboxAck),
	"OutboxNack":      redo(storage.Tx.OutboxNack),
	"ProblemInsert":   redo(storage.Tx.ProblemInsert),
	"ProblemUpdate":   redo(storage.Tx.ProblemUpdate),
	"SurveyInsert":    redo(storage.Tx.SurveyInsert),
	"SurveyUpdate":    redo(storage.Tx.SurveyUpdate),
}

func redo[P any](write func(storage.Tx, context.Context, *P) error) redoFunc {
	return func(ctx context.Context, tx storage.Tx, o op) error {
		p := new(P)
		if err := json.Unmarshal(o.Params, p); err != nil {
			return err
		}
		return write(tx, ctx, p)
	}
}

// redoClaim replays a claim with its recorded Now, Limit (and Lease): the memory store claims in a
// total order (due time, tenant, complaint, kind for timers; creation time, ID for messages), so the
// same state gives the same rows. Taking a different number of rows than recorded means the journal
// does not describe the state it was written from.
func redoClaim[P, R any](take func(storage.Tx, context.Context, *P) ([]R, error)) redoFunc {
	return func(ctx context.Context, tx storage.Tx, o op) error {
		p := new(P)
		if err := json.Unmarshal(o.Params, p); err != nil {
			return err
		}
		got, err := take(tx, ctx, p)
		if err != nil {
			return err
		}
		if len(got) != o.Took {
			return fmt.Errorf("the claim took %d rows on replay, %d when it committed", len(got), o.Took)
		}
		return nil
	}
}
