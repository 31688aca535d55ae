package feedback

import (
	"errors"
	"fmt"
	"slices"
	"strings"
	"unicode/utf8"
)

// Kind is a satisfaction measure a survey asks for.
type Kind string

// The three measures.
const (
	// CSAT is customer satisfaction with the handling of the complaint: 1 (very dissatisfied) to 5 (very
	// satisfied).
	CSAT Kind = "csat"
	// NPS is the likelihood to recommend: 0 (not at all) to 10 (extremely likely).
	NPS Kind = "nps"
	// CES is the customer effort score as an effort scale: 1 (very easy) to 7 (very hard). Lower is better.
	CES Kind = "ces"
)

// Kinds lists every measure in the order surveys ask them.
var Kinds = []Kind{CSAT, NPS, CES}

// Valid reports whether k is a known measure.
func (k Kind) Valid() bool { return slices.Contains(Kinds, k) }

// Range returns the lowest and highest score of measure k (0, 0 for an unknown kind).
func (k Kind) Range() (lo, hi int) {
	switch k {
	case CSAT:
		return 1, 5
	case NPS:
		return 0, 10
	case CES:
		return 1, 7
	}
	return 0, 0
}

// Check returns nil when v is a score of measure k, and a [*ScoreError] (matching [ErrScoreRange]) when
// it is outside k's range or k is unknown.
func (k Kind) Check(v int) error {
	lo, hi := k.Range()
	if !k.Valid() || v < lo || v > hi {
		return &ScoreError{Kind: k, Value: v}
	}
	return nil
}

// MaxCommentLen bounds a response's comment, in characters (runes).
const MaxCommentLen = 2000

// Errors of responses and surveys. Match them with errors.Is.
var (
	// ErrScoreRange is matched by every [*ScoreError].
	ErrScoreRange = errors.New("feedback: score out of range")
	// ErrUnknownKind: a score names a measure other than csat, nps and ces.
	ErrUnknownKind = errors.New("feedback: unknown score kind")
	// ErrNotRequested: a score answers a measure the survey did not ask for.
	ErrNotRequested = errors.New("feedback: score kind not requested by the survey")
	// ErrDuplicateScore: a response scores the same measure twice.
	ErrDuplicateScore = errors.New("feedback: measure scored twice")
	// ErrNoScore: a response carries no score at all.
	ErrNoScore = errors.New("feedback: response has no score")
	// ErrBadComment: the comment is too long, not UTF-8 or contains NUL.
	ErrBadComment = errors.New("feedback: invalid comment")
)

// ScoreError says that a score is outside its measure's range, for example an NPS of 11.
type ScoreError struct {
	Kind  Kind
	Value int
}

func (e *ScoreError) Error() string {
	if !e.Kind.Valid() {
		return fmt.Sprintf("feedback: score %d for unknown kind %q", e.Value, e.Kind)
	}
	lo, hi := e.Kind.Range()
	return fmt.Sprintf("feedback: %s score %d out of range %d–%d", e.Kind, e.Value, lo, hi)
}

// Is makes errors.Is(err, ErrScoreRange) true, and errors.Is(err, ErrUnknownKind) for an unknown kind.
func (e *ScoreError) Is(target error) bool {
	return target == ErrScoreRange || (target == ErrUnknownKind && !e.Kind.Valid())
}

// Score is one answer: a measure and its value.
type Score struct {
	Kind  Kind `json:"kind"`
	Value int  `json:"value"`
}

// Response is a customer's answer to a survey: one score per measure answered (not every measure asked
// must be answered) and an optional comment.
type Response struct {
	Scores  []Score `json:"scores"`
	Comment string  `json:"comment,omitempty"`
}

// Score returns the value given for measure k and whether k was answered.
func (r Response) Score(k Kind) (int, bool) {
	for _, s := range r.Scores {
		if s.Kind == k {
			return s.Value, true
		}
	}
	return 0, false
}

// Validate checks a response against the measures a survey requested (an empty list means any
// measure). It returns [ErrNoScore] for a response without scores, an error wrapping [ErrUnknownKind],
// [ErrNotRequested] or [ErrDuplicateScore] naming the measure, a [*ScoreError] for a value out of range,
// and an error wrapping [ErrBadComment] for a comment that is too long or malformed.
func (r Response) Validate(requested []Kind) error {
	if len(r.Scores) == 0 {
		return ErrNoScore
	}
	for i, s := range r.Scores {
		switch {
		case !s.Kind.Valid():
			return fmt.Errorf("%w: %q", ErrUnknownKind, s.Kind)
		case len(requested) > 0 && !slices.Contains(requested, s.Kind):
			return fmt.Errorf("%w: %s", ErrNotRequested, s.Kind)
		case slices.ContainsFunc(r.Scores[:i], func(o Score) bool { return o.Kind == s.Kind }):
			return fmt.Errorf("%w: %s", ErrDuplicateScore, s.Kind)
		}
		if err := s.Kind.Check(s.Value); err != nil {
			return err
		}
	}
	switch {
	case !utf8.ValidString(r.Comment):
		return fmt.Errorf("%w: not valid UTF-8", ErrBadComment)
	case strings.ContainsRune(r.Comment, 0):
		return fmt.Errorf("%w: contains a NUL character", ErrBadComment)
	case utf8.RuneCountInString(r.Comment) > MaxCommentLen:
		return fmt.Errorf("%w: %d characters, at most %d allowed", ErrBadComment, utf8.RuneCountInString(r.Comment), MaxCommentLen)
	}
	return nil
}

func (r Response) clone() Response {
	r.Scores = slices.Clone(r.Scores)
	return r
}
