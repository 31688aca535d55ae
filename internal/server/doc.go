// Package server is the HTTP layer of redressd: it maps JSON requests onto a redress.Desk and the
// Desk's errors onto RFC 9457 problems. It holds no complaint logic of its own; the Desk does the work.
//
// # Routes
//
// [New] builds one table of routes (method, path, handler, public or not) that feeds both the
// http.ServeMux and a test that compares it with the embedded OpenAPI 3.1 document ([OpenAPI], served at
// /openapi.json), so the two cannot drift apart:
//
//	POST /v1/complaints                      intake (Idempotency-Key header → external_ref)
//	GET  /v1/complaints                      list with filters and a keyset cursor
//	GET  /v1/complaints/{id}                 read (ETag: "<version>")
//	POST /v1/complaints/{id}/transitions     lifecycle trigger (If-Match: "<version>")
//	POST /v1/complaints/{id}/comments        note
//	POST /v1/complaints/{id}/assignment      queue and assignee (If-Match optional)
//	GET  /v1/complaints/{id}/events          audit trail
//	GET  /v1/track/{tenant}/{code}           public lookup, no key, rate-limited per address
//	GET  /openapi.json, /healthz, /readyz, /metrics
//
// # Authentication and tenants
//
// Every /v1 route but the tracking lookup needs "Authorization: Bearer <key>"; an [Authenticator]
// (internal/apikey) maps the key to its actor. The tenant comes from the key and from nowhere else: no
// body field or parameter names one, so a key cannot reach another tenant's complaints (they are not
// found). The actor rides in the request context ([ActorFrom]); [PolicyAuthorizer] hands its roles
// and queues to the routing policy the Desk consults, whose denials name their rule. A key limited to
// queues lists and assigns only within them.
//
// # Errors
//
// problemFor in problem.go is the one place errors become statuses:
//
//	400 invalid-json, bad-request, bad-query, bad-cursor, bad-precondition
//	401 unauthorized        403 denied (with rule)        404 not-found
//	409 illegal-transition, conflict                      412 stale-version (If-Match)
//	413 body-too-large      415 unsupported-media-type    422 validation (with errors[])
//	429 rate-limited        500 internal                  503 unavailable
//
// Request bodies are read through http.MaxBytesReader (1 MiB by default) and decoded strictly: exactly
// one JSON object, no unknown fields. Bad input is refused before the Desk is called, and the Desk
// changes nothing on any error, so a refused request leaves no trace but a log line.
//
// # Operations
//
// [Metrics] writes the Prometheus text format by hand (requests by route and code, a latency histogram,
// intake counts, and whatever the program adds, such as the webhook relay's lag). The tracking lookup's
// [Limiter] is a token bucket per client address with an injected clock.
package server
