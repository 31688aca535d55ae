package server_test

import (
	"context"
	"encoding/json"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/redresshq/redress/internal/server"
	"github.com/redresshq/redress/routing"
)

const goodRules = `rules:
  - name: glucose-meters
    when: text.contains("血糖仪")
    category: medical_device
    queue: devices
  - name: everything-else
    when: "true"
    tags: [triaged]
`

// The second rule does not compile (a misspelt field) and the third has the wrong result type.
const badRules = `rules:
  - name: glucose-meters
    when: text.contains("血糖仪")
    queue: devices
  - name: misspelt
    when: complaint.chanel == "email"
    queue: mail
  - name: not-a-condition
    when: complaint.priority + 1
    queue: mail
`

// rulesFixture is a server whose rule reloads read a file in a temporary directory, as redressd's
// -rules file is read.
func rulesFixture(t *testing.T) (*fixture, string) {
	t.Helper()
	path := filepath.Join(t.TempDir(), "rules.yaml")
	var f *fixture
	f = newFixture(t, func(c *server.Config) {
		c.ReloadRules = func(context.Context) (*routing.RuleSet, error) {
			src, err := os.ReadFile(path)
			if err != nil {
				return nil, err
			}
			rs, err := routing.LoadRules(src, routing.Options{})
			if err != nil {
				return nil, err
			}
			f.desk.SetRules(rs)
			return rs, nil
		}
	})
	return f, path
}

func TestRulesReloadInstallsTheFile(t *testing.T) {
	f, path := rulesFixture(t)
	require.NoError(t, os.WriteFile(path, []byte(goodRules), 0o600))
	require.Nil(t, f.desk.Rules())

	w := f.do(req{method: "POST", path: "/v1/rules/reload", key: "admin"})
	require.Equal(t, http.StatusOK, w.Code, w.Body.String())
	var got server.RulesReloaded
	require.NoError(t, json.Unmarshal(w.Body.Bytes(), &got))
	assert.Equal(t, server.RulesReloaded{Rules: 2, Names: []string{"glucose-meters", "everything-else"}}, got)

	c := f.intake("agent", intakeBody, nil)
	assert.Equal(t, "medical_device", c.Category, "the next intake is triaged by the new rules")
	assert.Equal(t, "devices", c.Queue)

	// An empty JSON object is accepted as a body too.
	w = f.do(req{method: "POST", path: "/v1/rules/reload", key: "admin", body: `{}`})
	assert.Equal(t, http.StatusOK, w.Code, w.Body.String())
}

// A file that does not load answers 422 naming every bad rule with its position, and the rules in use
// stay in use.
func TestRulesReloadKeepsTheSetInUseOnBadFile(t *testing.T) {
	f, path := rulesFixture(t)
	require.NoError(t, os.WriteFile(path, []byte(goodRules), 0o600))
	require.Equal(t, http.StatusOK, f.do(req{method: "POST", path: "/v1/rules/reload", key: "admin"}).Code)
	inUse := f.desk.Rules()

	require.NoError(t, os.WriteFile(path, []byte(badRules), 0o600))
	w := f.do(req{method: "POST", path: "/v1/rules/reload", key: "admin"})
	require.Equal(t, http.StatusUnprocessableEntity, w.Code, w.Body.String())
	p := decodeProblem(t, w)
	assert.Equal(t, server.ProblemTypeBase+"invalid-rules", p.Type)
	assert.Equal(t, "misspelt", p.Rule, "rule names the first bad rule")
	require.Len(t, p.RuleErrors, 2)
	assert.Equal(t, server.RuleProblem{Rule: "misspelt", Key: "when", Line: 6, Column: 20, Message: p.RuleErrors[0].Message}, p.RuleErrors[0])
	assert.Contains(t, p.RuleErrors[0].Message, "chanel")
	assert.Equal(t, "not-a-condition", p.RuleErrors[1].Rule)
	assert.Equal(t, 9, p.RuleErrors[1].Line)
	assert.Contains(t, p.Detail, "line 6, column 20")
	assert.Same(t, inUse, f.desk.Rules(), "the rules in use stay")

	c := f.intake("agent", intakeBody, nil)
	assert.Equal(t, "devices", c.Queue, "intake still runs the old rules")

	// A file that cannot be read is refused the same way.
	require.NoError(t, os.Remove(path))
	w = f.do(req{method: "POST", path: "/v1/rules/reload", key: "admin"})
	require.Equal(t, http.StatusUnprocessableEntity, w.Code, w.Body.String())
	p = decodeProblem(t, w)
	assert.Equal(t, server.ProblemTypeBase+"invalid-rules", p.Type)
	assert.Contains(t, p.Detail, "rules.yaml")
	assert.Empty(t, p.RuleErrors)
	assert.Same(t, inUse, f.desk.Rules())
}

func TestRulesReloadErrors(t *testing.T) {
	f, path := rulesFixture(t)
	require.NoError(t, os.WriteFile(path, []byte(goodRules), 0o600))
	bare := newFixture(t) // no rule file configured
	for _, tc := range []struct {
		name   string
		f      *fixture
		r      req
		status int
		kind   string
		says   string
	}{
		{"not an admin", f, req{method: "POST", path: "/v1/rules/reload", key: "lead"}, 403, "denied", "admin"},
		{"no key", f, req{method: "POST", path: "/v1/rules/reload"}, 401, "unauthorized", ""},
		{"unknown field", f, req{method: "POST", path: "/v1/rules/reload", key: "admin", body: `{"file":"/etc/passwd"}`}, 400, "invalid-json", `unknown field "file"`},
		{"malformed body", f, req{method: "POST", path: "/v1/rules/reload", key: "admin", body: `{"`}, 400, "invalid-json", ""},
		{"oversized body", f, req{method: "POST", path: "/v1/rules/reload", key: "admin", body: `{"x":"` + strings.Repeat("a", 1<<20) + `"}`}, 413, "body-too-large", ""},
		{"wrong method", f, req{method: "GET", path: "/v1/rules/reload", key: "admin"}, 405, "method-not-allowed", "POST"},
		{"no rule file", bare, req{method: "POST", path: "/v1/rules/reload", key: "admin"}, 409, "no-rule-file", "-rules"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			w := tc.f.do(tc.r)
			require.Equal(t, tc.status, w.Code, w.Body.String())
			p := decodeProblem(t, w)
			assert.Equal(t, server.ProblemTypeBase+tc.kind, p.Type)
			assert.Contains(t, p.Detail, tc.says)
			assert.Nil(t, tc.f.desk.Rules(), "nothing was loaded")
		})
	}
}
