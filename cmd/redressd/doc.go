// Command redressd is the reference complaint server: the redress Desk behind a JSON HTTP API, with API
// keys, a public tracking lookup, webhooks from the outbox, Prometheus metrics and graceful shutdown.
//
//	go run ./cmd/redressd
//
// serves on 127.0.0.1:8080 with an embedded SQLite database in ./redress.db, and on its first start
// prints a bootstrap admin API key (tenant "default", tier 3) to stderr, once. Keep it: only its
// SHA-256 digest is stored (in redress-keys.json next to the database).
//
// # Walkthrough
//
//	go run ./cmd/redressd &                      # prints the admin key once: export KEY=rdk_...
//	curl -s -X POST localhost:8080/v1/complaints -H "Authorization: Bearer $KEY" \
//	  -H 'Content-Type: application/json' -H 'Idempotency-Key: call-0931' \
//	  -d '{"channel":"phone","customer":{"name":"王芳"},"subject":"血糖仪读数偏高","description":"Reads 3 mmol/L high."}'
//	# 201 {"id":"01M8...","tracking_code":"14ZK-4F1C-FKCV","status":"received","version":1,...}
//	curl -s -X POST localhost:8080/v1/complaints/$ID/transitions -H "Authorization: Bearer $KEY" \
//	  -H 'Content-Type: application/json' -H 'If-Match: "1"' \
//	  -d '{"trigger":"acknowledge","note":"Called back; findings within 24 hours.","public":true}'
//	# 200, ETag "2"; the same request again answers 412 stale-version
//	curl -s localhost:8080/v1/track/default/14ZK-4F1C-FKCV    # no key: public fields and steps only
//	curl -s -X POST localhost:8080/v1/complaints/$ID/actions -H "Authorization: Bearer $KEY" \
//	  -H 'Content-Type: application/json' -d '{"action":"compensate","params":{"amount":150}}'
//	# 200; the tier policy judges the amount (a tier-1 key asking for 500 gets 403 frontline-money-limit)
//	curl -s localhost:8080/v1/insights/kpis -H "Authorization: Bearer $KEY"   # the last 30 days
//	go run ./cmd/redressd keys create -tenant default -actor agent:li -tier 1 -roles agent
//
// The API is described at /openapi.json; errors are RFC 9457 problem+json.
//
// # Configuration
//
// Every flag has an environment variable; a flag given on the command line wins.
//
//	-addr              REDRESS_ADDR              127.0.0.1:8080   listen address
//	-store             REDRESS_STORE             redress.db       SQLite file, postgres://... DSN, or memory:
//	-sqlite-sync       REDRESS_SQLITE_SYNC       FULL             FULL: a 201 survives a power cut; NORMAL: survives kill -9 only, faster
//	-keys              REDRESS_KEYS              beside the DB    API key file (redress-keys.json)
//	-webhooks          REDRESS_WEBHOOKS          none             webhook subscription file (YAML); enables the outbox and the relay
//	-policies          REDRESS_POLICIES          built in         authorization policy file (routing YAML); reloaded on SIGHUP
//	-rules             REDRESS_RULES             none             triage rule file (routing YAML); reloaded on SIGHUP and POST /v1/rules/reload
//	-sla               REDRESS_SLA               seed policies    SLA policies and business calendars (YAML)
//	-surveys           REDRESS_SURVEYS           true             schedule a satisfaction survey at every resolution (link as a survey.due webhook)
//	-bootstrap-tenant  REDRESS_BOOTSTRAP_TENANT  default          tenant of the key created on first start
//	-log-level         REDRESS_LOG_LEVEL         info             debug, info, warn or error (JSON logs on stderr)
//	-max-body          REDRESS_MAX_BODY          1048576          request body limit in bytes
//	-track-rate        REDRESS_TRACK_RATE        1                tracking lookups per second per client address
//	-track-burst       REDRESS_TRACK_BURST       20               ... and at once
//	-shutdown-timeout  REDRESS_SHUTDOWN_TIMEOUT  30s              how long in-flight requests may take to finish
//
// # Keys
//
//	redressd keys create -tenant acme -actor agent:li -tier 1 -roles agent [-queues frontline]
//	redressd keys list
//	redressd keys revoke -id 3f9c0a1b2c3d4e5f
//
// create prints the new key on stdout, once. A running server picks up created and revoked keys within a
// second; SIGHUP also reloads the key file, the rule file and the policy file. POST /v1/rules/reload
// (admin keys) reloads the rule file through the same code and answers with the outcome: a file that
// does not load keeps the rules in use and is refused with each bad rule's line and column.
//
// # Closing the loop
//
// Surveys are on by default: every resolution schedules one, whose link token leaves only as a
// survey.due outbox message, so subscribe a webhook to survey.due to deliver it (the server warns at
// start when none does). The early-warning scan covers the tenants of the key file at start.
//
// # Shutdown
//
// On SIGINT or SIGTERM the server stops accepting connections and lets in-flight requests finish
// (http.Server.Shutdown), then lets the webhook relay and the SLA scanner finish their current batch,
// then closes the store.
package main
