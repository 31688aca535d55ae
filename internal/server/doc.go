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
//	POST /v1/complaints/{id}/actions         business action: compensate, refund, ... (tier policy)
//	GET  /v1/complaints/{id}/surveys         satisfaction surveys
//	POST /v1/complaints/{id}/surveys         schedule one by hand; shows the link token once
//	POST /v1/problems                        open a problem record (RCA and CAPA) over complaints
//	GET  /v1/problems                        list by status or complaint, keyset cursor
//	GET  /v1/problems/{id}                   read (ETag: "<version>")
//	POST /v1/problems/{id}/operations        {"op": revise, link, add_action, ..., close, reopen}
//	GET  /v1/insights/kpis                   KPIs of a window, backlog per queue and agent
//	GET  /v1/insights/pareto                 Pareto table by category (or another dimension)
//	GET  /v1/insights/feedback               CSAT, NPS and CES per group
//	GET  /v1/insights/warnings               early-warning level per category
//	POST /v1/rules/reload                    reload the triage rule file (admin keys; Config.ReloadRules)
//	GET  /v1/track/{tenant}/{code}           public lookup, no key, rate-limited per address
//	POST /v1/surveys/{tenant}/answer         public survey answer, token in the body, rate-limited
//	GET  /openapi.json, /healthz, /readyz, /metrics
//
// # Authentication and tenants
//
// Every /v1 route but the tracking lookup and the survey answer needs "Authorization: Bearer <key>";
// an [Authenticator] (internal/apikey) maps the key to its actor. The tenant comes from the key and
// from nowhere else: no body field or parameter names one, so a key cannot reach another tenant's
// complaints or problem records (they are not found). The actor rides in the request context ([ActorFrom]); [PolicyAuthorizer] hands its roles
// and queues to the routing policy the Desk consults, whose denials name their rule. A key limited to
// queues lists and assigns only within them. Only keys with the admin role reload the rules. The
// insight routes aggregate over the whole tenant and show no single complaint, so any key of the
// tenant reads them.
//
// The two public routes are credentials of their own: a tracking code, a survey link token. Unknown,
// malformed and other tenants' codes and tokens get the same 404, and every attempt costs the client
// address a token of a [Limiter] (answers share the tracking lookup's unless Config.AnswerLimiter
// is set), so neither can be enumerated.
//
// # Errors
//
// problemFor in problem.go is the one place errors become statuses:
//
//	400 invalid-json, bad-request, bad-query, bad-cursor, bad-precondition
//	401 unauthorized        403 denied (with rule)        404 not-found
//	409 illegal-transition, conflict, problem-state, action-state, already-answered, no-rule-file,
//	    not-closable (errors[] lists the missing root cause and each unverified corrective action)
//	410 expired (survey link)                             412 stale-version (If-Match)
//	413 body-too-large      415 unsupported-media-type    422 validation (with errors[]),
//	                                                          invalid-rules (with rule_errors[])
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
