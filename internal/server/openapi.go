package server

import (
	_ "embed"
	"net/http"
	"slices"
)

//go:embed openapi.json
var openapiDoc []byte

// OpenAPI returns the OpenAPI 3.1 document of the API, the one served at /openapi.json. A test keeps
// it in step with the routes.
func OpenAPI() []byte { return slices.Clone(openapiDoc) }

func (s *Server) openapi(w http.ResponseWriter, _ *http.Request) error {
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("Cache-Control", "public, max-age=300")
	_, _ = w.Write(openapiDoc)
	return nil
}
