// Command embed shows the redress Desk inside an existing net/http application: a small CRM that
// already has customers, its own login and its own routes gains complaint intake, a per-customer
// complaint list, resolution and a public tracking page, without running redressd.
//
//	go run ./examples/embed
//
// The program builds the CRM on the in-memory store, drives it with a scripted session over real HTTP
// and prints what each step answered. The clock, IDs and tracking-code randomness are fixed so the
// output is the same on every run (a test checks it); a real CRM leaves them at their defaults and
// opens sqlite.Open(ctx, "crm-complaints.db") instead of memory.New().
package main

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"strings"
	"time"

	"github.com/redresshq/redress"
	"github.com/redresshq/redress/complaint"
	"github.com/redresshq/redress/storage"
	"github.com/redresshq/redress/storage/memory"
)

func main() {
	if err := run(context.Background(), os.Stdout); err != nil {
		fmt.Fprintln(os.Stderr, "embed:", err)
		os.Exit(1)
	}
}

// customer is the CRM's own record. The CRM stays the source of truth for customers; complaints carry
// the customer's ID, name and contact as they were at intake.
type customer struct {
	ID      string `json:"id"`
	Name    string `json:"name"`
	Email   string `json:"email"`
	Tier    string `json:"tier"`
	Company string `json:"company"`
}

// crm is the existing application. Only the complaints field and the routes marked "redress" are new.
type crm struct {
	customers  map[string]customer
	users      map[string]complaint.Actor // the CRM's logins, mapped to the actors redress records
	complaints *redress.Desk              // redress
	mux        *http.ServeMux
}

// tenant is the CRM's one tenant: a single-company CRM needs no more. A multi-company CRM passes the
// company of the logged-in user instead.
const tenant = "acme-crm"

func newCRM(desk *redress.Desk) *crm {
	c := &crm{
		customers: map[string]customer{
			"C-1001": {ID: "C-1001", Name: "王芳", Email: "wang.fang@example.com", Tier: "gold", Company: "Wang Clinic"},
			"C-1002": {ID: "C-1002", Name: "Li Lei", Email: "li.lei@example.com", Tier: "standard"},
		},
		users: map[string]complaint.Actor{
			"zhao": {ID: "crm:zhao", Roles: []string{complaint.RoleAgent}, Tier: complaint.TierFrontline},
			"chen": {ID: "crm:chen", Roles: []string{complaint.RoleAgent}, Tier: complaint.TierExpert},
		},
		complaints: desk,
		mux:        http.NewServeMux(),
	}
	// The CRM's existing routes.
	c.mux.HandleFunc("GET /customers/{id}", c.login(c.getCustomer))
	// redress: complaints as part of the customer page, and the public tracking page.
	c.mux.HandleFunc("POST /customers/{id}/complaints", c.login(c.fileComplaint))
	c.mux.HandleFunc("GET /customers/{id}/complaints", c.login(c.customerComplaints))
	c.mux.HandleFunc("POST /complaints/{id}/{trigger}", c.login(c.move))
	c.mux.HandleFunc("GET /track/{code}", c.track)
	return c
}

func (c *crm) ServeHTTP(w http.ResponseWriter, r *http.Request) { c.mux.ServeHTTP(w, r) }

// login is the CRM's existing authentication (a stand-in: a header naming the user). redress needs
// nothing from it but the actor to record.
func (c *crm) login(next func(w http.ResponseWriter, r *http.Request, who complaint.Actor)) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		who, ok := c.users[r.Header.Get("X-CRM-User")]
		if !ok {
			http.Error(w, "please log in", http.StatusUnauthorized)
			return
		}
		next(w, r, who)
	}
}

func (c *crm) getCustomer(w http.ResponseWriter, r *http.Request, _ complaint.Actor) {
	cu, ok := c.customers[r.PathValue("id")]
	if !ok {
		http.NotFound(w, r)
		return
	}
	writeJSON(w, http.StatusOK, cu)
}

// fileComplaint takes a complaint in for a customer: the CRM fills in who the customer is; the agent
// says what happened. The CRM's case number is the external reference, so a double submit of the form
// files one complaint.
func (c *crm) fileComplaint(w http.ResponseWriter, r *http.Request, who complaint.Actor) {
	cu, ok := c.customers[r.PathValue("id")]
	if !ok {
		http.NotFound(w, r)
		return
	}
	var form struct {
		CaseNumber  string `json:"case_number"`
		Subject     string `json:"subject"`
		Description string `json:"description"`
		Model       string `json:"model"`
		Safety      bool   `json:"safety"`
	}
	if err := json.NewDecoder(http.MaxBytesReader(w, r.Body, 64<<10)).Decode(&form); err != nil {
		http.Error(w, "bad form: "+err.Error(), http.StatusBadRequest)
		return
	}
	got, created, err := c.complaints.Intake(r.Context(), who, &complaint.Complaint{
		Tenant: tenant, Channel: "crm", ExternalRef: form.CaseNumber,
		Customer: complaint.Customer{ID: cu.ID, Name: cu.Name, Contact: cu.Email, Tier: cu.Tier, VIP: cu.Tier == "gold"},
		Product:  complaint.Product{Model: form.Model},
		Subject:  form.Subject, Description: form.Description, Safety: form.Safety,
	})
	if err != nil {
		writeError(w, err)
		return
	}
	status := http.StatusCreated
	if !created {
		status = http.StatusOK
	}
	writeJSON(w, status, map[string]any{"id": got.ID, "tracking_code": got.TrackingCode, "status": got.Status})
}

// customerComplaints lists a customer's complaints on the customer page, newest first.
func (c *crm) customerComplaints(w http.ResponseWriter, r *http.Request, _ complaint.Actor) {
	page, err := c.complaints.List(r.Context(), &storage.ComplaintListParams{Tenant: tenant, CustomerID: r.PathValue("id")})
	if err != nil {
		writeError(w, err)
		return
	}
	type row struct {
		ID      string           `json:"id"`
		Subject string           `json:"subject"`
		Status  complaint.Status `json:"status"`
	}
	rows := []row{}
	for _, cp := range page.Complaints {
		rows = append(rows, row{cp.ID, cp.Subject, cp.Status})
	}
	writeJSON(w, http.StatusOK, rows)
}

// move applies a lifecycle trigger from a button on the complaint page.
func (c *crm) move(w http.ResponseWriter, r *http.Request, who complaint.Actor) {
	got, err := c.complaints.Transition(r.Context(), redress.TransitionRequest{
		Tenant: tenant, ID: r.PathValue("id"), Actor: who, Trigger: complaint.Trigger(r.PathValue("trigger")),
		Note: r.URL.Query().Get("note"), Public: r.URL.Query().Get("public") == "1",
	})
	if err != nil {
		writeError(w, err)
		return
	}
	writeJSON(w, http.StatusOK, map[string]any{"id": got.ID, "status": got.Status, "version": got.Version})
}

// track is the public page a customer opens from the link in their confirmation mail: no login, public
// steps only.
func (c *crm) track(w http.ResponseWriter, r *http.Request) {
	v, err := c.complaints.TrackLookup(r.Context(), tenant, r.PathValue("code"))
	if err != nil {
		writeError(w, err)
		return
	}
	w.Header().Set("Content-Type", "text/plain; charset=utf-8")
	fmt.Fprintf(w, "Complaint %s: %s\n", v.TrackingCode, v.Status)
	for _, ev := range v.Events {
		line := fmt.Sprintf("  %s  %-14s %s", ev.At.Format("2006-01-02 15:04"), ev.Status, ev.Note)
		fmt.Fprintln(w, strings.TrimRight(line, " "))
	}
}

// writeError maps the Desk's errors to statuses: the CRM decides how its API speaks.
func writeError(w http.ResponseWriter, err error) {
	var ve *complaint.ValidationError
	switch {
	case errors.As(err, &ve):
		http.Error(w, err.Error(), http.StatusUnprocessableEntity)
	case errors.Is(err, complaint.ErrIllegalTransition):
		http.Error(w, err.Error(), http.StatusConflict)
	case errors.Is(err, redress.ErrNotFound):
		http.Error(w, "not found", http.StatusNotFound)
	case errors.Is(err, redress.ErrDenied):
		http.Error(w, err.Error(), http.StatusForbidden)
	default:
		http.Error(w, "internal error", http.StatusInternalServerError)
	}
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(v)
}

// run builds the CRM and plays a session against it over HTTP, printing each answer.
func run(ctx context.Context, out io.Writer) error {
	now := time.Date(2026, 11, 24, 9, 30, 0, 0, time.UTC)
	n := 0
	desk, err := redress.New(memory.New(), redress.Config{
		Now:    func() time.Time { return now },
		NewID:  func() string { n++; return fmt.Sprintf("01JEMBED%018d", n) },
		Random: bytes.NewReader(bytes.Repeat([]byte("embed-seed"), 8)),
	})
	if err != nil {
		return err
	}
	srv := httptest.NewServer(newCRM(desk))
	defer srv.Close()

	call := func(user, method, path, body string) (int, string, error) {
		req, err := http.NewRequestWithContext(ctx, method, srv.URL+path, strings.NewReader(body))
		if err != nil {
			return 0, "", err
		}
		if user != "" {
			req.Header.Set("X-CRM-User", user)
		}
		resp, err := srv.Client().Do(req)
		if err != nil {
			return 0, "", err
		}
		defer resp.Body.Close()
		b, err := io.ReadAll(resp.Body)
		return resp.StatusCode, strings.TrimSpace(string(b)), err
	}
	show := func(label, user, method, path, body string) (string, error) {
		code, text, err := call(user, method, path, body)
		if err != nil {
			return "", err
		}
		fmt.Fprintf(out, "%s\n  %s %s -> %d\n", label, method, path, code)
		for line := range strings.SplitSeq(text, "\n") {
			fmt.Fprintf(out, "  %s\n", line)
		}
		return text, nil
	}

	if _, err := show("the CRM as it was: a customer page", "zhao", "GET", "/customers/C-1001", ""); err != nil {
		return err
	}
	form := `{"case_number":"CASE-7731","subject":"血糖仪读数偏高 / meter reads high","description":"Readings 3 mmol/L above the clinic's.","model":"GlucoSure BG-200","safety":true}`
	text, err := show("an agent files a complaint from the customer page", "zhao", "POST", "/customers/C-1001/complaints", form)
	if err != nil {
		return err
	}
	var filed struct {
		ID           string `json:"id"`
		TrackingCode string `json:"tracking_code"`
	}
	if err := json.Unmarshal([]byte(text), &filed); err != nil {
		return err
	}
	if _, err := show("the form is submitted twice: the same complaint comes back", "zhao", "POST", "/customers/C-1001/complaints", form); err != nil {
		return err
	}
	if _, err := show("without the description, the Desk names the field", "zhao", "POST", "/customers/C-1002/complaints", `{"case_number":"CASE-7732","subject":"late"}`); err != nil {
		return err
	}

	now = now.Add(25 * time.Minute)
	steps := []struct{ user, trigger, query string }{
		{"zhao", "acknowledge", "?public=1&note=We+called+you+and+will+report+within+24+hours."},
		{"chen", "investigate", ""},
		{"chen", "resolve", "?public=1&note=Strip+batch+B2611-07+was+faulty%3B+replacement+sent."},
	}
	for _, s := range steps {
		now = now.Add(3 * time.Hour)
		if _, err := show(s.user+" presses "+s.trigger, s.user, "POST", "/complaints/"+filed.ID+"/"+s.trigger+s.query, ""); err != nil {
			return err
		}
	}
	if _, err := show("resolving twice is refused by the lifecycle", "chen", "POST", "/complaints/"+filed.ID+"/resolve", ""); err != nil {
		return err
	}
	if _, err := show("the customer page lists the complaint", "zhao", "GET", "/customers/C-1001/complaints", ""); err != nil {
		return err
	}
	code := strings.ToLower(strings.ReplaceAll(filed.TrackingCode, "-", ""))
	if _, err := show("the customer follows the link in the mail (typed in lower case, no login)", "", "GET", "/track/"+code, ""); err != nil {
		return err
	}
	_, err = show("a made-up code finds nothing", "", "GET", "/track/AAAA-BBBB-CCCC", "")
	return err
}
