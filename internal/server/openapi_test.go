package server

import (
	"encoding/json"
	"path/filepath"
	"reflect"
	"slices"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/redresshq/redress"
	"github.com/redresshq/redress/feedback"
	"github.com/redresshq/redress/internal/apikey"
	"github.com/redresshq/redress/rca"
	"github.com/redresshq/redress/storage/memory"
)

type openapiOp struct {
	Security    *[]map[string][]string `json:"security"`
	OperationID string                 `json:"operationId"`
	Responses   map[string]any         `json:"responses"`
}

func loadDoc(t *testing.T) (map[string]map[string]openapiOp, map[string]any) {
	t.Helper()
	var doc struct {
		OpenAPI string                          `json:"openapi"`
		Paths   map[string]map[string]openapiOp `json:"paths"`
	}
	require.NoError(t, json.Unmarshal(openapiDoc, &doc))
	require.Equal(t, "3.1.0", doc.OpenAPI)
	var raw map[string]any
	require.NoError(t, json.Unmarshal(openapiDoc, &raw))
	return doc.Paths, raw
}

func newTestServer(t *testing.T) *Server {
	t.Helper()
	desk, err := redress.New(memory.New(), redress.Config{})
	require.NoError(t, err)
	keys, err := apikey.Open(filepath.Join(t.TempDir(), "k.json"), apikey.Config{})
	require.NoError(t, err)
	s, err := New(Config{Desk: desk, Keys: keys})
	require.NoError(t, err)
	return s
}

// Every route is in the document and every operation of the document is a route, with the same
// authentication.
func TestOpenAPIMatchesRoutes(t *testing.T) {
	paths, _ := loadDoc(t)
	s := newTestServer(t)
	var routes, documented []string
	public := map[string]bool{}
	for _, rt := range s.routes {
		routes = append(routes, rt.label())
		public[rt.label()] = rt.public
	}
	for p, ops := range paths {
		for m, op := range ops {
			label := strings.ToUpper(m) + " " + p
			documented = append(documented, label)
			assert.NotEmpty(t, op.OperationID, label)
			assert.NotEmpty(t, op.Responses, label)
			isPublic := op.Security != nil && len(*op.Security) == 0
			assert.Equal(t, public[label], isPublic, "%s: public in the routes and the document alike", label)
			if !isPublic {
				assert.Contains(t, op.Responses, "401", "%s needs a key, so it documents 401", label)
			}
		}
	}
	assert.ElementsMatch(t, routes, documented)
}

// jsonFields lists the JSON names of a struct's fields, those of embedded structs included, as
// encoding/json sees them.
func jsonFields(rt reflect.Type) []string {
	var out []string
	for i := range rt.NumField() {
		f := rt.Field(i)
		tag, _, _ := strings.Cut(f.Tag.Get("json"), ",")
		if f.Anonymous && tag == "" {
			out = append(out, jsonFields(f.Type)...)
			continue
		}
		if tag == "" {
			tag = f.Name
		}
		out = append(out, tag)
	}
	return out
}

func schemaProperties(t *testing.T, schemas map[string]any, name string) []string {
	t.Helper()
	schema, ok := schemas[name].(map[string]any)
	require.True(t, ok, "schema %s is documented", name)
	var documented []string
	for p := range schema["properties"].(map[string]any) {
		documented = append(documented, p)
	}
	return documented
}

// The request schemas list exactly the fields the decoder accepts, and refuse others.
func TestOpenAPIRequestSchemasMatchDecoder(t *testing.T) {
	_, raw := loadDoc(t)
	schemas := raw["components"].(map[string]any)["schemas"].(map[string]any)
	for name, v := range map[string]any{"IntakeRequest": IntakeRequest{}, "TransitionRequest": TransitionBody{},
		"CommentRequest": CommentBody{}, "AssignRequest": AssignBody{}, "ActionRequest": ActionBody{},
		"OpenProblemRequest": OpenProblemBody{}, "ProblemOperationRequest": ProblemOpBody{}, "Analysis": rca.Analysis{},
		"ActionInput": ActionInput{}, "CheckPlan": CheckPlan{}, "VerificationRequest": VerificationBody{},
		"Statement": rca.Statement{}, "Why": rca.Why{}, "Cause": rca.Cause{},
		"SurveyAnswerRequest": AnswerBody{}, "Score": feedback.Score{}} {
		schema := schemas[name].(map[string]any)
		assert.Equal(t, false, schema["additionalProperties"], name)
		assert.ElementsMatch(t, jsonFields(reflect.TypeOf(v)), schemaProperties(t, schemas, name), name)
	}
}

// The response schemas of the closed-loop routes list exactly the fields the server writes.
func TestOpenAPIResponseSchemasMatchEncoder(t *testing.T) {
	_, raw := loadDoc(t)
	schemas := raw["components"].(map[string]any)["schemas"].(map[string]any)
	for name, v := range map[string]any{"ProblemRecord": rca.Problem{}, "CorrectiveAction": rca.Action{}, "Check": rca.Check{},
		"ProblemList": ProblemList{}, "Survey": SurveyView{}, "SurveyList": SurveyList{}, "SurveyScheduled": SurveyScheduled{},
		"SurveyAnswered": SurveyAnswered{}, "SurveyResponse": feedback.Response{}, "KPIReport": KPIReport{},
		"Durations": Durations{}, "Rate": Rate{}, "Satisfaction": Satisfaction{}, "Load": Load{},
		"ParetoReport": ParetoReport{}, "ParetoRow": ParetoRow{}, "FeedbackReport": FeedbackReport{},
		"FeedbackGroup": FeedbackGroup{}, "WarningReport": WarningReport{}, "CategoryWarning": CategoryWarning{},
		"RulesReloaded": RulesReloaded{}, "RuleProblem": RuleProblem{}, "Problem": Problem{}} {
		assert.ElementsMatch(t, jsonFields(reflect.TypeOf(v)), schemaProperties(t, schemas, name), name)
	}
}

// Every problem type the server can answer with is documented, and nothing else.
func TestOpenAPIProblemTypes(t *testing.T) {
	_, raw := loadDoc(t)
	problem := raw["components"].(map[string]any)["schemas"].(map[string]any)["Problem"].(map[string]any)
	enum := problem["properties"].(map[string]any)["type"].(map[string]any)["enum"].([]any)
	var documented, known []string
	for _, e := range enum {
		documented = append(documented, e.(string))
	}
	for k := range kinds {
		known = append(known, ProblemTypeBase+k)
	}
	assert.ElementsMatch(t, known, documented)
}

// Every $ref points at something that exists.
func TestOpenAPIRefsResolve(t *testing.T) {
	_, raw := loadDoc(t)
	var refs []string
	var walk func(v any)
	walk = func(v any) {
		switch v := v.(type) {
		case map[string]any:
			for k, x := range v {
				if k == "$ref" {
					refs = append(refs, x.(string))
				}
				walk(x)
			}
		case []any:
			for _, x := range v {
				walk(x)
			}
		}
	}
	walk(raw)
	require.NotEmpty(t, refs)
	slices.Sort(refs)
	for _, r := range slices.Compact(refs) {
		var cur any = raw
		for _, part := range strings.Split(strings.TrimPrefix(r, "#/"), "/") {
			m, ok := cur.(map[string]any)
			require.True(t, ok, r)
			cur, ok = m[part]
			require.True(t, ok, "%s does not resolve", r)
		}
	}
}
