package server_test

import (
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"

	"github.com/redresshq/redress"
	"github.com/redresshq/redress/internal/apikey"
	"github.com/redresshq/redress/internal/server"
	"github.com/redresshq/redress/storage/memory"
)

// The server is an http.Handler over a Desk: a key maps each request to its tenant and actor.
func ExampleNew() {
	dir, _ := os.MkdirTemp("", "server")
	defer os.RemoveAll(dir)
	desk, _ := redress.New(memory.New(), redress.Config{})
	keys, _ := apikey.Open(filepath.Join(dir, "keys.json"), apikey.Config{})
	key, _, _ := keys.Create(apikey.Actor{Tenant: "acme", ID: "agent:li", Roles: []string{"agent"}, Tier: 1})
	srv, err := server.New(server.Config{Desk: desk, Keys: keys})
	if err != nil {
		fmt.Println(err)
		return
	}

	r := httptest.NewRequest("POST", "/v1/complaints", strings.NewReader(
		`{"channel":"web","customer":{"name":"Wang"},"subject":"late delivery","description":"Ordered 3 weeks ago."}`))
	r.Header.Set("Authorization", "Bearer "+key)
	r.Header.Set("Content-Type", "application/json")
	w := httptest.NewRecorder()
	srv.ServeHTTP(w, r)
	fmt.Println(w.Code, w.Header().Get("ETag"))

	r = httptest.NewRequest("POST", "/v1/complaints", strings.NewReader(`{"channel":"web","tenant":"globex"}`))
	r.Header.Set("Authorization", "Bearer "+key)
	w = httptest.NewRecorder()
	srv.ServeHTTP(w, r)
	fmt.Println(w.Code, w.Header().Get("Content-Type"))
	fmt.Print(w.Body.String())

	w = httptest.NewRecorder()
	srv.ServeHTTP(w, httptest.NewRequest(http.MethodGet, "/v1/complaints", nil))
	fmt.Println(w.Code)
	// Output:
	// 201 "1"
	// 400 application/problem+json
	// {"type":"tag:redresshq.github.io,2026:problem:invalid-json","title":"The request body is not acceptable JSON","status":400,"detail":"unknown field \"tenant\"","instance":"/v1/complaints"}
	// 401
}
