package webhook_test

import (
	"fmt"
	"time"

	"github.com/redresshq/redress/internal/webhook"
)

// A receiver checks each delivery's signature against the raw body before trusting it.
func ExampleVerify() {
	secret := []byte("shared-with-the-receiver")
	body := []byte(`{"id":"01JD","topic":"complaint.received","tenant":"acme","created_at":"2026-11-24T09:00:00Z","data":{}}`)
	sent := time.Date(2026, 11, 24, 9, 0, 0, 0, time.UTC)

	header := webhook.Sign(secret, sent, body)
	fmt.Println(header[:13])
	fmt.Println(webhook.Verify(secret, header, body, sent.Add(30*time.Second), 0))
	fmt.Println(webhook.Verify(secret, header, []byte(`{"forged":true}`), sent, 0))
	fmt.Println(webhook.Verify(secret, header, body, sent.Add(time.Hour), 0))
	// Output:
	// t=1795510800,
	// <nil>
	// webhook: bad signature: no v1 value matches the body
	// webhook: signature outside the time tolerance: signed 1h0m0s from now, tolerance 5m0s
}

// Subscriptions come from a YAML file; each names a tenant, the topics it wants and where to post.
func ExampleParseSubscriptions() {
	subs, err := webhook.ParseSubscriptions([]byte(`
subscriptions:
  - name: crm
    tenant: acme
    topics: ["complaint.*"]
    url: https://crm.example.com/hooks/redress
    secret_env: CRM_SECRET
`), func(string) string { return "a-secret-of-enough-length" })
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println(subs[0].Name, subs[0].Matches("acme", "complaint.transition"), subs[0].Matches("globex", "complaint.transition"))
	// Output: crm true false
}
