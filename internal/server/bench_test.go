package server_test

import (
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"strings"
	"testing"

	"github.com/redresshq/redress"
	"github.com/redresshq/redress/complaint"
	"github.com/redresshq/redress/internal/apikey"
	"github.com/redresshq/redress/internal/server"
	"github.com/redresshq/redress/storage/memory"
)

// BenchmarkIntake compares intake through the HTTP handler (auth, decoding, problem mapping, encoding;
// no network) with Desk.Intake itself, on the memory store so that the handler's own cost shows:
// compare the two sub-benchmarks of one run.
func BenchmarkIntake(b *testing.B) {
	in := func(i int) *complaint.Complaint {
		return &complaint.Complaint{Tenant: "acme", Channel: "web", ExternalRef: fmt.Sprint(i),
			Customer: complaint.Customer{ID: "cust-1", Name: "王芳", Contact: "wang@example.com"},
			Subject:  "血糖仪读数偏高", Description: "Readings are about 3 mmol/L higher than the clinic's.",
			Product: complaint.Product{Model: "BG-200", Batch: "B2611"}}
	}
	b.Run("desk", func(b *testing.B) {
		desk, _ := redress.New(memory.New(), redress.Config{})
		actor := complaint.Actor{ID: "agent:li", Tier: 1}
		b.ReportAllocs()
		i := 0
		for b.Loop() {
			i++
			if _, _, err := desk.Intake(context.Background(), actor, in(i)); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("handler", func(b *testing.B) {
		desk, _ := redress.New(memory.New(), redress.Config{})
		keys, _ := apikey.Open(filepath.Join(b.TempDir(), "k.json"), apikey.Config{})
		key, _, _ := keys.Create(apikey.Actor{Tenant: "acme", ID: "agent:li", Tier: 1})
		srv, _ := server.New(server.Config{Desk: desk, Keys: keys})
		body := `{"channel":"web","customer":{"id":"cust-1","name":"王芳","contact":"wang@example.com"},"subject":"血糖仪读数偏高","description":"Readings are about 3 mmol/L higher than the clinic's.","product":{"model":"BG-200","batch":"B2611"}}`
		b.ReportAllocs()
		i := 0
		for b.Loop() {
			i++
			r := httptest.NewRequest("POST", "/v1/complaints", strings.NewReader(body))
			r.Header.Set("Authorization", "Bearer "+key)
			r.Header.Set("Content-Type", "application/json")
			r.Header.Set("Idempotency-Key", fmt.Sprint(i))
			w := httptest.NewRecorder()
			srv.ServeHTTP(w, r)
			if w.Code != http.StatusCreated {
				b.Fatal(w.Code, w.Body.String())
			}
		}
	})
}
