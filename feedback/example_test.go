package feedback_test

import (
	"bytes"
	"errors"
	"fmt"
	"time"

	"github.com/redresshq/redress/feedback"
)

// A survey goes out after resolution, takes one answer, and a low score asks for a second follow-up.
func Example() {
	resolved := time.Date(2026, 3, 2, 9, 0, 0, 0, time.UTC)
	// Outside tests, use crypto/rand.Reader.
	token, hash, _ := feedback.NewToken(bytes.NewReader(make([]byte, feedback.TokenBytes)))
	fmt.Println("link token length:", len(token))

	policy := feedback.Policy{} // defaults: within 48 h, CSAT + NPS + CES, follow up on a low score
	s, _ := policy.Schedule(feedback.ScheduleParams{
		ID: "S1", Tenant: "acme", ComplaintID: "C1", TokenHash: hash, ResolvedAt: resolved,
	})
	fmt.Println("send by:", s.DueBy.Format(time.DateTime))

	// The customer opens the link: the token is hashed to find the survey.
	lookup, _ := feedback.HashToken(token)
	fmt.Println("found:", lookup == s.TokenHash)

	err := s.Answer(resolved.Add(3*time.Hour), feedback.Response{Scores: []feedback.Score{{Kind: feedback.CSAT, Value: 6}}})
	fmt.Println("csat 6:", err)

	r := feedback.Response{Scores: []feedback.Score{{Kind: feedback.CSAT, Value: 2}, {Kind: feedback.NPS, Value: 8}}, Comment: "维修后还是漏水"}
	fmt.Println("answer:", s.Answer(resolved.Add(4*time.Hour), r))
	fmt.Println("again:", errors.Is(s.Answer(resolved.Add(5*time.Hour), r), feedback.ErrAlreadyAnswered))
	fmt.Printf("verdict: %+v\n", policy.Judge(s.Response))
	// Output:
	// link token length: 43
	// send by: 2026-03-04 09:00:00
	// found: true
	// csat 6: feedback: csat score 6 out of range 1–5
	// answer: <nil>
	// again: true
	// verdict: {Low:true Kinds:[csat] Action:follow_up}
}

// SummarizeBy computes CSAT %, NPS and mean CES per group, here per month of the answer.
func ExampleSummarizeBy() {
	type answered struct {
		at time.Time
		r  feedback.Response
	}
	nps := func(v int) feedback.Response {
		return feedback.Response{Scores: []feedback.Score{{Kind: feedback.NPS, Value: v}}}
	}
	items := []answered{
		{time.Date(2026, 1, 5, 0, 0, 0, 0, time.UTC), nps(3)},
		{time.Date(2026, 1, 9, 0, 0, 0, 0, time.UTC), nps(9)},
		{time.Date(2026, 1, 20, 0, 0, 0, 0, time.UTC), nps(6)},
		{time.Date(2026, 2, 3, 0, 0, 0, 0, time.UTC), nps(10)},
		{time.Date(2026, 2, 14, 0, 0, 0, 0, time.UTC), nps(8)},
	}
	groups, _ := feedback.SummarizeBy(items,
		func(a answered) string { return a.at.Format("2006-01") },
		func(a answered) feedback.Response { return a.r })
	for _, g := range groups {
		fmt.Printf("%s  n=%d  NPS %+.0f\n", g.Key, g.NPSCount, g.NPS)
	}
	// Output:
	// 2026-01  n=3  NPS -33
	// 2026-02  n=2  NPS +50
}
