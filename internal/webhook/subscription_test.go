package webhook_test

import (
	"errors"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/redresshq/redress/internal/webhook"
)

func env(m map[string]string) func(string) string { return func(k string) string { return m[k] } }

func TestParseSubscriptions(t *testing.T) {
	yaml := `
subscriptions:
  - name: crm
    tenant: acme
    topics: ["complaint.received", "complaint.transition"]
    url: https://crm.example.com/hooks
    secret: 0123456789abcdef
  - name: quality-team
    tenant: acme
    topics: ["complaint.*"]
    url: http://127.0.0.1:9000/in
    secret_env: QT_SECRET
`
	subs, err := webhook.ParseSubscriptions([]byte(yaml), env(map[string]string{"QT_SECRET": "from-the-environment"}))
	require.NoError(t, err)
	require.Len(t, subs, 2)
	assert.Equal(t, "crm", subs[0].Name)
	assert.Equal(t, []string{"complaint.received", "complaint.transition"}, subs[0].Topics)
	assert.Equal(t, "from-the-environment", subs[1].Secret, "secret_env is resolved")
	assert.Empty(t, subs[1].SecretEnv)
	again, err := webhook.CheckSubscriptions(subs, env(nil))
	require.NoError(t, err, "a checked list passes again (New checks what LoadSubscriptions returned)")
	assert.Equal(t, subs, again)

	json := `{"subscriptions":[{"name":"a","tenant":"t","topics":["*"],"url":"http://x","secret":"0123456789abcdef"}]}`
	subs, err = webhook.ParseSubscriptions([]byte(json), nil)
	require.NoError(t, err)
	assert.Len(t, subs, 1)
}

func TestParseSubscriptionsErrors(t *testing.T) {
	const ok = `{name: a, tenant: t, topics: ["*"], url: "http://x", secret: 0123456789abcdef}`
	for _, tc := range []struct {
		name, yaml, says string
	}{
		{"not yaml", "subscriptions: [", ""},
		{"unknown top-level key", "subs: []", "unknown"},
		{"unknown key", `subscriptions: [{name: a, tenant: t, topics: ["*"], url: "http://x", secret: 0123456789abcdef, retries: 3}]`, "unknown"},
		{"bad name", `subscriptions: [{name: "A B", tenant: t, topics: ["*"], url: "http://x", secret: 0123456789abcdef}]`, `name "A B"`},
		{"duplicate name", "subscriptions: [" + ok + ", " + ok + "]", "used twice"},
		{"no tenant", `subscriptions: [{name: a, topics: ["*"], url: "http://x", secret: 0123456789abcdef}]`, "tenant is empty"},
		{"no topics", `subscriptions: [{name: a, tenant: t, url: "http://x", secret: 0123456789abcdef}]`, "topics is empty"},
		{"reserved topic", `subscriptions: [{name: a, tenant: t, topics: ["webhook:x"], url: "http://x", secret: 0123456789abcdef}]`, `topic "webhook:x"`},
		{"star inside", `subscriptions: [{name: a, tenant: t, topics: ["complaint*"], url: "http://x", secret: 0123456789abcdef}]`, `topic "complaint*"`},
		{"bad url", `subscriptions: [{name: a, tenant: t, topics: ["*"], url: "ftp://x", secret: 0123456789abcdef}]`, "not an http(s) URL"},
		{"short secret", `subscriptions: [{name: a, tenant: t, topics: ["*"], url: "http://x", secret: short}]`, "at least 16"},
		{"no secret", `subscriptions: [{name: a, tenant: t, topics: ["*"], url: "http://x"}]`, "at least 16"},
		{"both secrets", `subscriptions: [{name: a, tenant: t, topics: ["*"], url: "http://x", secret: 0123456789abcdef, secret_env: X}]`, "not both"},
		{"unset env", `subscriptions: [{name: a, tenant: t, topics: ["*"], url: "http://x", secret_env: NOPE}]`, "NOPE"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := webhook.ParseSubscriptions([]byte(tc.yaml), env(nil))
			require.ErrorIs(t, err, webhook.ErrConfig)
			assert.Contains(t, err.Error(), tc.says)
		})
	}
}

func TestMatches(t *testing.T) {
	sub := webhook.Subscription{Tenant: "acme", Topics: []string{"complaint.received", "sla.*"}}
	for _, tc := range []struct {
		tenant, topic string
		want          bool
	}{
		{"acme", "complaint.received", true},
		{"acme", "complaint.transition", false},
		{"acme", "sla.warning", true},
		{"acme", "sla", false},
		{"acme", "slab.x", false},
		{"globex", "complaint.received", false},
	} {
		assert.Equal(t, tc.want, sub.Matches(tc.tenant, tc.topic), "%s %s", tc.tenant, tc.topic)
	}
	all := webhook.Subscription{Tenant: "acme", Topics: []string{"*"}}
	assert.True(t, all.Matches("acme", "anything"))
	assert.False(t, all.Matches("globex", "anything"), "a subscription never crosses tenants")
}

func FuzzParseSubscriptions(f *testing.F) {
	f.Add([]byte(`subscriptions: [{name: a, tenant: t, topics: ["*"], url: "http://x", secret: 0123456789abcdef}]`))
	f.Add([]byte(`{"subscriptions":[]}`))
	f.Add([]byte("subscriptions:\n  - name: [\n"))
	f.Fuzz(func(t *testing.T, data []byte) {
		subs, err := webhook.ParseSubscriptions(data, env(nil))
		if err != nil {
			assert.True(t, errors.Is(err, webhook.ErrConfig), "every failure is a config error: %v", err)
			return
		}
		// What parses is valid: checking it again changes nothing.
		again, err := webhook.CheckSubscriptions(subs, env(nil))
		require.NoError(t, err)
		assert.Equal(t, subs, again)
	})
}
