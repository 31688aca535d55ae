package server

import (
	"fmt"
	"maps"
	"net/http"
	"slices"

	"github.com/redresshq/redress"
	"github.com/redresshq/redress/complaint"
)

// ActionBody is the body of POST /v1/complaints/{id}/actions: a business action (compensation, refund,
// replacement, callback, ...) that the tier policy judges by its params and the audit trail records.
type ActionBody struct {
	// Action is a lower-case token such as compensate, refund, replace or callback; lifecycle
	// triggers go to /transitions instead.
	Action string `json:"action"`
	// Params are what the policy judges, such as {"amount": 150}: strings, numbers and booleans only,
	// so that what the policy saw is exactly what the audit trail records.
	Params map[string]any `json:"params,omitempty"`
	Note   string         `json:"note,omitempty"`
	// Public shows the action on the customer's tracking page.
	Public bool `json:"public,omitempty"`
}

// checkParams refuses params values a policy could not compare and an event could not show faithfully:
// objects, arrays and null.
func checkParams(params map[string]any) error {
	var fields []complaint.FieldError
	for _, k := range slices.Sorted(maps.Keys(params)) {
		switch params[k].(type) {
		case string, float64, bool:
		default:
			fields = append(fields, complaint.FieldError{Field: "params." + k, Code: "invalid",
				Message: fmt.Sprintf("must be a string, number or boolean, not %s", jsonKind(params[k]))})
		}
	}
	if len(fields) > 0 {
		return &complaint.ValidationError{Fields: fields}
	}
	return nil
}

// jsonKind names the JSON kind of a value encoding/json decoded into an any.
func jsonKind(v any) string {
	switch v.(type) {
	case nil:
		return "null"
	case map[string]any:
		return "an object"
	case []any:
		return "an array"
	}
	return fmt.Sprintf("%T", v)
}

// act records a business action after the tier policy allowed it. A denial is 403 naming the rule,
// as for transitions.
func (s *Server) act(w http.ResponseWriter, r *http.Request) error {
	a := mustActor(r)
	version, err := ifMatch(r)
	if err != nil {
		return err
	}
	var in ActionBody
	if err := s.decode(w, r, &in); err != nil {
		return err
	}
	if in.Action == "" {
		return &complaint.ValidationError{Fields: []complaint.FieldError{{Field: "action", Code: "required",
			Message: "is required: a lower-case token such as compensate, refund, replace or callback"}}}
	}
	if err := checkParams(in.Params); err != nil {
		return err
	}
	c, err := s.desk.Act(r.Context(), redress.ActRequest{Tenant: a.Tenant, ID: r.PathValue("id"), Actor: deskActor(a),
		Action: in.Action, Params: in.Params, Note: in.Note, Public: in.Public, ExpectedVersion: version})
	if err != nil {
		return precondition(err, version)
	}
	writeComplaint(w, http.StatusOK, c)
	return nil
}
