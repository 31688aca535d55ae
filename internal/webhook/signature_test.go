package webhook_test

import (
	"errors"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/redresshq/redress/internal/webhook"
)

var (
	secret = []byte("0123456789abcdef-secret")
	t0     = time.Date(2026, 11, 24, 9, 0, 0, 0, time.UTC)
)

func TestSignVerify(t *testing.T) {
	body := []byte(`{"id":"1","topic":"complaint.received"}`)
	sig := webhook.Sign(secret, t0, body)
	assert.Regexp(t, `^t=\d+,v1=[0-9a-f]{64}$`, sig)
	require.NoError(t, webhook.Verify(secret, sig, body, t0.Add(time.Minute), 0))

	// A receiver rotating secrets gets two signatures; either may match.
	other := webhook.Sign([]byte("another-secret-0123"), t0, body)
	both := sig + "," + other[strings.Index(other, "v1="):]
	assert.NoError(t, webhook.Verify(secret, both, body, t0, 0))
	assert.NoError(t, webhook.Verify([]byte("another-secret-0123"), both, body, t0, 0))
	assert.NoError(t, webhook.Verify(secret, sig+",v2=future-scheme", body, t0, 0), "unknown schemes are ignored")
}

func TestVerifyRejects(t *testing.T) {
	body := []byte(`{"a":1}`)
	sig := webhook.Sign(secret, t0, body)
	for _, tc := range []struct {
		name   string
		secret []byte
		header string
		body   string
		now    time.Time
		want   error
	}{
		{"tampered body", secret, sig, `{"a":2}`, t0, webhook.ErrBadSignature},
		{"wrong secret", []byte("not-the-secret-at-all"), sig, string(body), t0, webhook.ErrBadSignature},
		{"empty header", secret, "", string(body), t0, webhook.ErrBadSignature},
		{"no time", secret, sig[strings.Index(sig, "v1="):], string(body), t0, webhook.ErrBadSignature},
		{"no v1", secret, sig[:strings.Index(sig, ",")], string(body), t0, webhook.ErrBadSignature},
		{"short v1", secret, "t=1,v1=abcd", string(body), t0, webhook.ErrBadSignature},
		{"bad time", secret, strings.Replace(sig, "t=", "t=x", 1), string(body), t0, webhook.ErrBadSignature},
		{"two times", secret, "t=1," + sig, string(body), t0, webhook.ErrBadSignature},
		{"moved time", secret, strings.Replace(sig, "t=", "t=1", 1), string(body), t0, webhook.ErrBadSignature},
		{"replayed later", secret, sig, string(body), t0.Add(6 * time.Minute), webhook.ErrStaleSignature},
		{"from the future", secret, sig, string(body), t0.Add(-6 * time.Minute), webhook.ErrStaleSignature},
	} {
		t.Run(tc.name, func(t *testing.T) {
			err := webhook.Verify(tc.secret, tc.header, []byte(tc.body), tc.now, 0)
			assert.ErrorIs(t, err, tc.want)
		})
	}
}

func FuzzVerify(f *testing.F) {
	body := []byte(`{"a":1}`)
	f.Add(webhook.Sign(secret, t0, body), body)
	f.Add("t=,v1=", []byte{})
	f.Add("t=1764000000,v1="+strings.Repeat("0", 64), []byte("x"))
	f.Fuzz(func(t *testing.T, header string, b []byte) {
		err := webhook.Verify(secret, header, b, t0, 0)
		if err != nil {
			assert.True(t, errors.Is(err, webhook.ErrBadSignature) || errors.Is(err, webhook.ErrStaleSignature), "%v", err)
			return
		}
		// Only a genuine signature of this body passes: the header holds what Sign makes for its time.
		var unix int64
		for part := range strings.SplitSeq(header, ",") {
			if v, ok := strings.CutPrefix(strings.TrimSpace(part), "t="); ok {
				unix, _ = strconv.ParseInt(v, 10, 64)
			}
		}
		want := webhook.Sign(secret, time.Unix(unix, 0), b)
		assert.Contains(t, strings.ToLower(header), want[strings.Index(want, "v1="):])
	})
}
