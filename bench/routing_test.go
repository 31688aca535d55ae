package bench

import (
	"context"
	"encoding/json"
	"os"
	"strings"
	"testing"
	"time"

	"cel.dev/cel-go/cel"
	"cel.dev/cel-go/common/types"
	"cel.dev/cel-go/common/types/ref"
	"cel.dev/cel-go/common/types/traits"
	"github.com/stretchr/testify/require"

	"github.com/redresshq/redress/complaint"
	"github.com/redresshq/redress/routing"
)

// Routing on the example rule file (examples/triage/rules.yaml) and its sample complaints, against the
// raw way to run the same rules: one CEL program per condition, fed a map built per complaint. Compare
// BenchmarkRoutingTriage with BenchmarkRoutingNaiveCEL from the same run.

type exampleSample struct {
	IntakeAt           time.Time           `json:"intake_at"`
	LifetimeComplaints int                 `json:"lifetime_complaints"`
	Complaint          complaint.Complaint `json:"complaint"`
}

func loadExample(tb testing.TB) (*routing.RuleSet, []exampleSample, []routing.Signals) {
	src, err := os.ReadFile("../examples/triage/rules.yaml")
	require.NoError(tb, err)
	rs, err := routing.LoadRules(src, routing.Options{})
	require.NoError(tb, err)
	raw, err := os.ReadFile("../examples/triage/complaints.json")
	require.NoError(tb, err)
	var samples []exampleSample
	require.NoError(tb, json.Unmarshal(raw, &samples))
	sigs := make([]routing.Signals, len(samples))
	for i := range samples {
		sigs[i], err = routing.DefaultLexicon().Analyze(context.Background(), routing.ComplaintText(&samples[i].Complaint))
		require.NoError(tb, err)
	}
	return rs, samples, sigs
}

// BenchmarkRoutingTriage triages one sample complaint per op with the compiled rule set.
func BenchmarkRoutingTriage(b *testing.B) {
	rs, samples, sigs := loadExample(b)
	ctx := context.Background()
	b.ReportAllocs()
	i := 0
	for b.Loop() {
		s := &samples[i%len(samples)]
		if _, err := rs.Triage(ctx, &s.Complaint, routing.Input{IntakeAt: s.IntakeAt, LifetimeComplaints: s.LifetimeComplaints, Signals: sigs[i%len(samples)]}); err != nil {
			b.Fatal(err)
		}
		i++
	}
}

// BenchmarkRoutingAnalyzeTriageAssign is the whole routing step of an intake: text signals, triage,
// and an agent.
func BenchmarkRoutingAnalyzeTriageAssign(b *testing.B) {
	rs, samples, _ := loadExample(b)
	ctx := context.Background()
	agents := []routing.Agent{
		{ID: "a", Queues: []string{routing.AllQueues}, Tier: 3, Available: true},
		{ID: "b", Queues: []string{routing.AllQueues}, Tier: 3, Available: true},
	}
	loads := map[string]int{"a": 3, "b": 4}
	var as routing.Assigner
	b.ReportAllocs()
	i := 0
	for b.Loop() {
		s := &samples[i%len(samples)]
		c := s.Complaint
		sig, err := routing.DefaultLexicon().Analyze(ctx, routing.ComplaintText(&c))
		if err != nil {
			b.Fatal(err)
		}
		d, err := rs.Triage(ctx, &c, routing.Input{IntakeAt: s.IntakeAt, LifetimeComplaints: s.LifetimeComplaints, Signals: sig})
		if err != nil {
			b.Fatal(err)
		}
		d.Apply(&c)
		if _, err := as.Assign(routing.LeastLoaded, routing.TaskFor(&c), agents, loads); err != nil {
			b.Fatal(err)
		}
		i++
	}
}

// BenchmarkRoutingNaiveCEL runs the same conditions the raw way: an environment of dyn maps, a map
// activation built per complaint, and every program evaluated in turn.
func BenchmarkRoutingNaiveCEL(b *testing.B) {
	rs, samples, sigs := loadExample(b)
	env, err := cel.NewEnv(
		cel.Variable("complaint", cel.MapType(cel.StringType, cel.DynType)),
		cel.Variable("customer", cel.MapType(cel.StringType, cel.DynType)),
		cel.Variable("intake", cel.MapType(cel.StringType, cel.DynType)),
		cel.Variable("signals", cel.MapType(cel.StringType, cel.DynType)),
		cel.Variable("channel", cel.StringType),
		cel.Variable("text", cel.StringType),
		cel.Function("containsAny", cel.Overload("naive_containsAny", []*cel.Type{cel.StringType, cel.ListType(cel.StringType)}, cel.BoolType,
			cel.BinaryBinding(func(s, l ref.Val) ref.Val {
				hay := strings.ToLower(string(s.(types.String)))
				it := l.(traits.Lister).Iterator()
				for it.HasNext() == types.True {
					if t, ok := it.Next().(types.String); ok && strings.Contains(hay, strings.ToLower(string(t))) {
						return types.True
					}
				}
				return types.False
			}))),
	)
	require.NoError(b, err)
	var prgs []cel.Program
	for _, r := range rs.Rules() {
		ast, iss := env.Compile(r.When)
		require.NoError(b, iss.Err(), r.Name)
		prg, err := env.Program(ast, cel.CostLimit(routing.DefaultCostLimit))
		require.NoError(b, err)
		prgs = append(prgs, prg)
	}
	loc, err := time.LoadLocation("Asia/Shanghai")
	require.NoError(b, err)
	b.ReportAllocs()
	i := 0
	for b.Loop() {
		s := &samples[i%len(samples)]
		sig := sigs[i%len(samples)]
		c := &s.Complaint
		local := s.IntakeAt.In(loc)
		customer := map[string]any{"id": c.Customer.ID, "name": c.Customer.Name, "tier": c.Customer.Tier, "vip": c.Customer.VIP, "lifetime_complaints": s.LifetimeComplaints}
		vars := map[string]any{
			"complaint": map[string]any{
				"channel": c.Channel, "subject": c.Subject, "description": c.Description, "category": c.Category,
				"safety": c.Safety, "tags": c.Tags, "customer": customer,
				"product": map[string]any{"sku": c.Product.SKU, "model": c.Product.Model},
			},
			"customer": customer,
			"intake":   map[string]any{"at": s.IntakeAt, "hour": local.Hour(), "minute": local.Minute(), "weekday": int(local.Weekday())},
			"signals":  map[string]any{"sentiment": sig.Sentiment, "keywords": sig.Keywords, "language": sig.Language},
			"channel":  c.Channel,
			"text":     routing.ComplaintText(c),
		}
		for _, p := range prgs {
			if _, _, err := p.ContextEval(context.Background(), vars); err != nil {
				b.Fatal(err)
			}
		}
		i++
	}
}
