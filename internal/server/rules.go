package server

import (
	"errors"
	"net/http"

	"github.com/redresshq/redress/routing"
)

// ErrNoRuleFile is what Config.ReloadRules returns when the program has no rule file to reload; the
// server answers 409 no-rule-file.
var ErrNoRuleFile = errors.New("server: no triage rule file is configured")

// AdminRole is the key role that may reload the triage rules.
const AdminRole = "admin"

// RulesReloaded is the answer of POST /v1/rules/reload: the rule set now in use.
type RulesReloaded struct {
	// Rules counts the rules of the new set, disabled ones included; Names lists them in evaluation
	// order (precedence, then file order).
	Rules int      `json:"rules"`
	Names []string `json:"names"`
}

// RuleProblem is one rule of a file that failed to load: its name (empty for a problem with the file
// as a whole), the key within it, and where in the file, 1-based.
type RuleProblem struct {
	Rule    string `json:"rule,omitempty"`
	Key     string `json:"key,omitempty"`
	Line    int    `json:"line,omitempty"`
	Column  int    `json:"column,omitempty"`
	Message string `json:"message"`
}

// rulesError carries a reload failure to problemFor.
type rulesError struct{ err error }

func (e *rulesError) Error() string { return e.err.Error() }
func (e *rulesError) Unwrap() error { return e.err }

// ruleProblems lists the rule errors in err, in file order.
func ruleProblems(err error) []RuleProblem {
	var out []RuleProblem
	for _, re := range routing.RuleErrors(err) {
		p := RuleProblem{Rule: re.Rule, Key: re.Key, Line: re.Line, Column: re.Column, Message: re.Error()}
		if re.Err != nil {
			p.Message = re.Err.Error()
		}
		out = append(out, p)
	}
	return out
}

// reloadRules reloads the triage rules through Config.ReloadRules, for admin keys only. A file that
// does not load leaves the rules in use and answers 422 naming each bad rule and its position.
func (s *Server) reloadRules(w http.ResponseWriter, r *http.Request) error {
	a := mustActor(r)
	if !a.HasRole(AdminRole) {
		return &requestError{kind: "denied", rule: "admin-role", detail: "only keys with the admin role may reload the triage rules"}
	}
	// The reload takes no input: a body, if any, must be an empty object.
	if err := s.decodeOptional(w, r, &struct{}{}); err != nil {
		return err
	}
	rs, err := s.reload(r.Context())
	switch {
	case errors.Is(err, ErrNoRuleFile):
		return reqErr("no-rule-file", "the server runs without a triage rule file (start it with -rules); there is nothing to reload")
	case err != nil:
		return &rulesError{err: err}
	}
	out := RulesReloaded{Names: []string{}}
	if rs != nil {
		for _, rule := range rs.Rules() {
			out.Names = append(out.Names, rule.Name)
		}
		out.Rules = rs.Len()
	}
	writeJSON(w, http.StatusOK, out)
	return nil
}
