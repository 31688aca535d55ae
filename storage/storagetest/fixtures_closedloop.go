package storagetest

import (
	"bytes"
	"fmt"
	"slices"
	"time"

	"github.com/redresshq/redress/complaint"
	"github.com/redresshq/redress/feedback"
	"github.com/redresshq/redress/rca"
	"github.com/redresshq/redress/storage"
)

// NewProblem returns a valid open problem record of tenant, the i-th of a deterministic series: created
// i minutes after [Epoch], linked to the given complaint IDs, with a full 5W2H statement, a five-step
// why chain, fishbone causes in several 6M categories, a root cause, lessons, and three actions:
//
//   - A1, containment, verified, with a complete effectiveness check, due a day after creation;
//   - A2, corrective, in progress, due seven days after creation;
//   - A3, preventive, planned, due thirty days after creation.
//
// So its NextReport is seven days after creation. Version is 1 and every time is already in the form
// stores return (UTC, microseconds), so a stored copy compares equal to it. ClosedAt and
// OverdueReportedAt are zero; tests that need them set them.
func NewProblem(tenant string, i int, complaints ...string) *rca.Problem {
	created := Epoch.Add(time.Duration(i)*time.Minute + time.Duration(i%1000)*time.Microsecond)
	day := 24 * time.Hour
	p := &rca.Problem{
		ID:     NewID(created, tenant, i, "problem"),
		Tenant: tenant,
		Analysis: rca.Analysis{
			Title:    fmt.Sprintf("净化器异响 / purifier rattle #%d", i),
			Category: Categories[i%len(Categories)],
			Team:     []string{"qa-liu", "eng-sun", "cs-zhou"},
			Statement: rca.Statement{
				What:    "风扇在开机后异响 / the fan rattles after power-on",
				Why:     "客户投诉量上升 / complaints are rising",
				Where:   "上海工厂二号线 / Shanghai plant, line 2",
				When:    "2026 年 2 月起 / since February 2026",
				Who:     "X1 型号用户 / owners of model X1",
				How:     "开机 10 秒后出现 / starts 10 s after power-on",
				HowMuch: fmt.Sprintf("%d 台, ¥%d / %d units", 40+i, 1200*(i+1), 40+i),
			},
			Whys: []rca.Why{
				{Question: "为什么异响？Why the rattle?", Answer: "风扇叶片松动 / the fan blade is loose"},
				{Question: "Why loose?", Answer: "螺丝扭矩不足 / screw torque too low"},
				{Question: "Why too low?", Answer: "扭矩枪未校准 / the torque gun was not calibrated"},
				{Question: "Why not calibrated?", Answer: "校准计划遗漏 / missing from the calibration plan"},
				{Answer: "设备台账不完整 / the equipment register is incomplete"},
			},
			Causes: []rca.Cause{
				{Category: rca.Machine, Description: "扭矩枪漂移 / torque gun drift", Confirmed: true},
				{Category: rca.Method, Description: "no torque check in the work instruction", Confirmed: true},
				{Category: rca.Man, Description: "新员工培训不足 / new staff not trained"},
				{Category: rca.Measurement, Description: "抽检比例太低 / sampling rate too low"},
			},
			RootCause: "校准计划不完整导致扭矩不足 / an incomplete calibration plan let torque drift",
			Lessons:   "所有扭矩工具纳入台账 / register every torque tool",
		},
		Complaints: slices.Clone(complaints),
		Status:     rca.StatusOpen,
		Version:    1,
		CreatedAt:  created,
		UpdatedAt:  created.Add(3 * time.Hour),
	}
	p.Actions = []rca.Action{
		{
			ID: "A1", Kind: rca.Containment, Description: "更换客户风扇 / replace affected fans", Owner: "cs-zhou",
			Due: created.Add(day), Status: rca.ActionVerified,
			Check: rca.Check{Metric: "open replacements", Target: "0 within 3 days", Result: "0 open after 2 days",
				Effective: true, VerifiedBy: "qa-liu", VerifiedAt: created.Add(2 * day)},
			CreatedAt: created, StartedAt: created.Add(time.Hour), DoneAt: created.Add(20 * time.Hour),
		},
		{
			ID: "A2", Kind: rca.Corrective, Description: "校准并加入计划 / calibrate and plan the torque guns", Owner: "eng-sun",
			Due: created.Add(7 * day), Status: rca.ActionInProgress,
			Check:     rca.Check{Metric: "weekly rattle complaints", Target: "< 2 per week for 4 weeks"},
			CreatedAt: created, StartedAt: created.Add(2 * time.Hour),
		},
		{
			ID: "A3", Kind: rca.Preventive, Description: "其他产线同样检查 / check every other line", Owner: "qa-liu",
			Due: created.Add(30 * day), Status: rca.ActionPlanned,
			Check:     rca.Check{Metric: "lines audited", Target: "all 6"},
			CreatedAt: created.Add(3 * time.Hour),
		},
	}
	return p
}

// NewSurvey returns a valid, unanswered survey about complaint c, the i-th for c: scheduled an hour and
// i minutes after c's creation, due 48 hours later, expiring a week after that, asking CSAT, NPS and
// CES. ID and token hash derive from (c, i), so they are unique per pair, and the times are already
// normalised. [SurveyToken] gives the token whose hash it stores.
func NewSurvey(c *complaint.Complaint, i int) *feedback.Survey {
	scheduled := c.CreatedAt.Add(time.Hour + time.Duration(i)*time.Minute)
	_, hash := surveyToken(c, i)
	return &feedback.Survey{
		ID:          NewID(scheduled, c.Tenant, c.ID, i, "survey"),
		Tenant:      c.Tenant,
		ComplaintID: c.ID,
		TokenHash:   hash,
		Kinds:       slices.Clone(feedback.Kinds),
		ScheduledAt: scheduled,
		DueBy:       scheduled.Add(feedback.DefaultWindow),
		ExpiresAt:   scheduled.Add(feedback.DefaultWindow + feedback.DefaultValidity),
		Version:     1,
	}
}

// SurveyToken returns the link token of NewSurvey(c, i), as the customer's link would carry it.
func SurveyToken(c *complaint.Complaint, i int) string {
	token, _ := surveyToken(c, i)
	return token
}

func surveyToken(c *complaint.Complaint, i int) (token, hash string) {
	token, hash, err := feedback.NewToken(bytes.NewReader(digest(c.Tenant, c.ID, i, "token")))
	if err != nil {
		panic(fmt.Sprintf("storagetest: survey token: %v", err)) // cannot happen: 32 bytes of input
	}
	return token, hash
}

// CanonicalProblem returns what a conforming store gives back for p: a deep copy with every time
// (the problem's and its actions') normalised with [storage.Time] and empty team, why chain, causes,
// complaint links and actions as nil.
func CanonicalProblem(p *rca.Problem) *rca.Problem { return storage.NormalizeProblem(p) }

// CanonicalSurvey returns what a conforming store gives back for s: a deep copy with its times
// normalised and empty kinds and scores as nil.
func CanonicalSurvey(s *feedback.Survey) *feedback.Survey { return storage.NormalizeSurvey(s) }
