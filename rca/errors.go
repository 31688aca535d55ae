package rca

import (
	"errors"
	"fmt"
	"strings"

	"github.com/redresshq/redress/complaint"
)

// Sentinel errors. Every error this package returns matches one of them with errors.Is; the typed
// errors below carry the detail.
var (
	// ErrInvalid is matched by every [*ValidationError]: a field of the problem or of an action is
	// missing or malformed.
	ErrInvalid = errors.New("rca: invalid problem record")
	// ErrClosed: the problem is closed and frozen; reopen it first.
	ErrClosed = errors.New("rca: problem is closed")
	// ErrNotClosed: Reopen was called on a problem that is open.
	ErrNotClosed = errors.New("rca: problem is not closed")
	// ErrNoAction: no action with that ID belongs to the problem.
	ErrNoAction = errors.New("rca: no such action")
	// ErrActionState is matched by every [*ActionStateError]: the action's status does not allow the
	// operation.
	ErrActionState = errors.New("rca: action status does not allow this")
	// ErrNotClosable is matched by every [*CloseError]: the problem cannot close yet.
	ErrNotClosable = errors.New("rca: problem cannot close yet")
)

// ValidationError lists every field of a problem (or of the action being added) that is wrong. It uses
// the same [complaint.FieldError] as complaint validation, so one mapping serves every form.
type ValidationError struct {
	Fields []complaint.FieldError `json:"fields"`
}

func (e *ValidationError) Error() string {
	var b strings.Builder
	b.WriteString("rca: invalid problem record: ")
	for i, f := range e.Fields {
		if i > 0 {
			b.WriteString("; ")
		}
		b.WriteString(f.Field)
		b.WriteString(": ")
		b.WriteString(f.Message)
	}
	return b.String()
}

// Is makes errors.Is(err, ErrInvalid) true.
func (e *ValidationError) Is(target error) bool { return target == ErrInvalid }

// Has reports whether the error lists field with code; tests and forms use it to find one problem.
func (e *ValidationError) Has(field, code string) bool {
	for _, f := range e.Fields {
		if f.Field == field && f.Code == code {
			return true
		}
	}
	return false
}

// ActionStateError says that an operation does not apply to an action in its current status, for
// example verifying an action that is not done yet.
type ActionStateError struct {
	Action string       // the action's ID
	Status ActionStatus // its current status
	Op     string       // start, complete, verify or rework
}

func (e *ActionStateError) Error() string {
	return fmt.Sprintf("rca: cannot %s action %s: it is %s", e.Op, e.Action, e.Status)
}

// Is makes errors.Is(err, ErrActionState) true.
func (e *ActionStateError) Is(target error) bool { return target == ErrActionState }

// CloseError says why a problem cannot close: which corrective (permanent) actions are not yet verified
// effective, whether there is no corrective action at all, and whether the root cause is missing.
type CloseError struct {
	// Unverified lists the corrective actions whose status is not verified (copies, in problem order).
	Unverified []Action
	// NoCorrective is set when the problem has no corrective action: nothing permanent was done.
	NoCorrective bool
	// NoRootCause is set when the root cause is empty.
	NoRootCause bool
}

func (e *CloseError) Error() string {
	var parts []string
	if e.NoRootCause {
		parts = append(parts, "no root cause recorded")
	}
	if e.NoCorrective {
		parts = append(parts, "no corrective action")
	}
	if len(e.Unverified) > 0 {
		ids := make([]string, len(e.Unverified))
		for i, a := range e.Unverified {
			ids[i] = a.ID + " (" + string(a.Status) + ")"
		}
		parts = append(parts, "corrective actions not verified effective: "+strings.Join(ids, ", "))
	}
	return "rca: problem cannot close: " + strings.Join(parts, "; ")
}

// Is makes errors.Is(err, ErrNotClosable) true.
func (e *CloseError) Is(target error) bool { return target == ErrNotClosable }
