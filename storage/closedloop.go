package storage

import (
	"context"
	"time"

	"github.com/redresshq/redress/feedback"
	"github.com/redresshq/redress/rca"
)

// ClosedLoopReadTx holds the reads of the closed loop: problem records (root-cause analysis and
// corrective actions), satisfaction surveys, and the per-complaint times the KPIs are computed from.
// ReadTx embeds it, so every store implements it.
type ClosedLoopReadTx interface {
	// ProblemGet returns a problem record or ErrNotFound.
	ProblemGet(ctx context.Context, p *ProblemGetParams) (*rca.Problem, error)
	// ProblemList returns problems newest first (created_at, then ID, descending), optionally only
	// those of one status or linked to one complaint, keyset-paged like ComplaintList (a malformed
	// cursor is ErrBadCursor).
	ProblemList(ctx context.Context, p *ProblemListParams) (*ProblemPage, error)
	// ProblemListDue returns up to Limit problems, of one tenant or of all when Tenant is empty, that
	// have an open action falling due after the problem's OverdueReportedAt and at or before Now —
	// that is, whose rca.Problem.NextReport is at or before Now — earliest such due date first, then
	// by ID. It does not claim them: the caller reports the overdue actions and updates the problem
	// under its version, so of two scanners racing only one commits.
	ProblemListDue(ctx context.Context, p *ProblemListDueParams) ([]*rca.Problem, error)
	// SurveyGet returns a survey by ID or ErrNotFound.
	SurveyGet(ctx context.Context, p *SurveyGetParams) (*feedback.Survey, error)
	// SurveyGetByTokenHash returns the survey whose link token hashes to TokenHash, or ErrNotFound.
	SurveyGetByTokenHash(ctx context.Context, p *SurveyGetByTokenHashParams) (*feedback.Survey, error)
	// SurveyList returns a complaint's surveys, oldest first (ScheduledAt, then ID).
	SurveyList(ctx context.Context, p *SurveyListParams) ([]*feedback.Survey, error)
	// FeedbackTally counts the scores of surveys answered in [AnsweredFrom, AnsweredTo), per group
	// key, kind and value. Groups follow a dimension of the surveyed complaint as it is now (ByQueue,
	// ByCategory, ByAssignee, ByChannel, BySeverity, ByStatus) or ByDay, the UTC day of the answer;
	// an empty GroupBy puts everything under the key "". Rows are ordered by key, kind, value.
	FeedbackTally(ctx context.Context, p *FeedbackTallyParams) ([]ScoreCount, error)
	// ComplaintTimes returns the creation, acknowledgement and resolution instants of the complaints
	// created in [CreatedFrom, CreatedTo) that match the filters, ordered by creation time then ID:
	// the inputs of first-response and resolution percentiles, which cannot be summed like Stats
	// and which the Desk may measure in business time.
	ComplaintTimes(ctx context.Context, p *ComplaintTimesParams) ([]Times, error)
}

// ClosedLoopTx holds the writes of the closed loop. Tx embeds it.
type ClosedLoopTx interface {
	// ProblemInsert stores a new problem whose Version is 1. ErrDuplicate when the ID is taken.
	ProblemInsert(ctx context.Context, p *ProblemInsertParams) error
	// ProblemUpdate replaces a problem: the stored version must equal ExpectedVersion and
	// Problem.Version be ExpectedVersion+1 (ErrConflict otherwise; ErrNotFound when missing). ID,
	// tenant and creation time never change.
	ProblemUpdate(ctx context.Context, p *ProblemUpdateParams) error
	// SurveyInsert stores a new survey whose Version is 1, for an existing complaint of the tenant
	// (ErrNotFound otherwise). ErrDuplicate when the ID or the token hash is taken.
	SurveyInsert(ctx context.Context, p *SurveyInsertParams) error
	// SurveyUpdate replaces a survey under the same version rule as ProblemUpdate; this is what makes
	// a survey link single-use when two answers race. Complaint, token hash and kinds never change.
	SurveyUpdate(ctx context.Context, p *SurveyUpdateParams) error
}

// ProblemGetParams identifies a problem.
type ProblemGetParams struct {
	Tenant string
	ID     string
}

// ProblemListParams filters and pages problems. Zero-valued filters are ignored; Limit works as in
// ComplaintListParams (0 means DefaultListLimit, more than MaxListLimit is cut to it).
type ProblemListParams struct {
	Tenant      string
	Status      rca.Status
	ComplaintID string
	Limit       int
	Cursor      string
}

// ProblemPage is one page of problems; Next is empty on the last page.
type ProblemPage struct {
	Problems []*rca.Problem
	Next     string
}

// ProblemListDueParams selects problems with an action to report as overdue at Now. An empty Tenant
// spans all tenants, as for TimerClaimDueParams. Limit works as in ProblemListParams (0 means
// DefaultListLimit, more than MaxListLimit is cut to it).
type ProblemListDueParams struct {
	Tenant string
	Now    time.Time
	Limit  int
}

// ProblemInsertParams carries a new problem; Problem.Tenant must equal Tenant.
type ProblemInsertParams struct {
	Tenant  string
	Problem *rca.Problem
}

// ProblemUpdateParams carries a changed problem and the version it was derived from.
type ProblemUpdateParams struct {
	Tenant          string
	Problem         *rca.Problem
	ExpectedVersion int64
}

// SurveyGetParams identifies a survey.
type SurveyGetParams struct {
	Tenant string
	ID     string
}

// SurveyGetByTokenHashParams identifies a survey by the SHA-256 of its link token
// (feedback.HashToken).
type SurveyGetByTokenHashParams struct {
	Tenant    string
	TokenHash string
}

// SurveyListParams selects a complaint's surveys.
type SurveyListParams struct {
	Tenant      string
	ComplaintID string
}

// SurveyInsertParams carries a new survey; Survey.Tenant must equal Tenant.
type SurveyInsertParams struct {
	Tenant string
	Survey *feedback.Survey
}

// SurveyUpdateParams carries a changed survey and the version it was derived from.
type SurveyUpdateParams struct {
	Tenant          string
	Survey          *feedback.Survey
	ExpectedVersion int64
}

// FeedbackTallyParams selects answered surveys and how to group them.
type FeedbackTallyParams struct {
	Tenant string
	// GroupBy is empty (one group, key "") or a Dimension.
	GroupBy      Dimension
	AnsweredFrom time.Time
	AnsweredTo   time.Time
}

// ScoreCount is one row of FeedbackTally: N answers gave Kind the score Value within group Key.
type ScoreCount struct {
	Key   string
	Kind  feedback.Kind
	Value int
	N     int64
}

// ComplaintTimesParams selects complaints by creation window and, optionally, category, queue and
// assignee (zero values are ignored).
type ComplaintTimesParams struct {
	Tenant      string
	Category    string
	Queue       string
	Assignee    string
	CreatedFrom time.Time
	CreatedTo   time.Time
}

// Times are one complaint's milestones; Acknowledged and Resolved are zero until reached.
type Times struct {
	ID           string
	Created      time.Time
	Acknowledged time.Time
	Resolved     time.Time
}
