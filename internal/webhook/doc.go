// Package webhook delivers the Desk's outbox to HTTP receivers: the webhook relay of cmd/redressd.
//
// # From the outbox to a receiver
//
// The Desk writes one outbox message per event in the same transaction as the change (see
// redress.Config.Outbox), so a committed change is never left unannounced. A [Relay] drains the outbox
// in two steps, each a transaction of its own:
//
//  1. Fan-out. Each message is matched against the [Subscription]s of its tenant and topic, and replaced
//     by one delivery per matching subscription (itself an outbox message, topic
//     "webhook:<subscription>:<topic>", ID "<message ID>.<subscription>"). A message nobody subscribes
//     to is dropped. From here on each receiver has its own attempts, backoff and dead letter, so one
//     receiver that is down never holds back or duplicates deliveries to the others.
//  2. Delivery. Deliveries are leased with storage's OutboxClaim (Config.Lease), posted, and acknowledged
//     on a 2xx answer. A failure is recorded with the next attempt at an exponential backoff
//     (Config.BackoffBase doubling up to Config.BackoffMax); after Config.MaxAttempts attempts the delivery
//     is declared dead and stays in the outbox with its last error, for inspection.
//
// Delivery is at least once. A relay that dies mid-batch leaves its deliveries leased; when the lease
// runs out, any relay on the same store (the restarted server, or another replica) claims them again.
// A receiver can therefore see a delivery twice: it deduplicates on the Redress-Delivery header, which is
// the same on every attempt. Deliveries of one complaint are posted in order within a batch, but a retry
// can overtake: order by the event's seq field in the body when order matters.
//
// # What a receiver gets
//
// A POST with a JSON [Envelope] (the message ID, topic, tenant, creation time and the Desk's payload)
// and these headers:
//
//	Content-Type: application/json
//	Redress-Topic: complaint.transition
//	Redress-Delivery: 01JD...Q.crm       (stable across attempts)
//	Redress-Attempt: 1
//	Redress-Signature: t=1795510800,v1=5f1c...
//
// The signature is the hex HMAC-SHA256, keyed with the subscription's secret, of the decimal Unix time,
// a dot and the raw body. The time stops replays of old deliveries: [Verify] refuses a signature outside
// its tolerance. Receivers in Go call [Verify]; in other languages the recipe above is three lines.
//
// # Subscriptions
//
// [LoadSubscriptions] reads a YAML (or JSON) file:
//
//	subscriptions:
//	  - name: crm                     # [a-z0-9_-], unique; part of the delivery ID
//	    tenant: acme
//	    topics: ["complaint.received", "complaint.transition"]   # exact, "complaint.*" or "*"
//	    url: https://crm.example.com/hooks/redress
//	    secret_env: REDRESS_WEBHOOK_CRM_SECRET                  # or secret: "..." (16+ characters)
//
// # Time
//
// The relay reads time only through Config.Now, and [Relay.RunOnce] does one pass, so tests drive
// retries, backoff and leases with a fake clock; [Relay.Run] is the loop the server runs.
package webhook
