package webhook

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"
)

// Header names of a delivery.
const (
	HeaderSignature = "Redress-Signature"
	HeaderTopic     = "Redress-Topic"
	HeaderDelivery  = "Redress-Delivery"
	HeaderAttempt   = "Redress-Attempt"
)

// DefaultTolerance is how far a signature's time may be from the receiver's clock in [Verify].
const DefaultTolerance = 5 * time.Minute

// Signature errors returned by [Verify].
var (
	// ErrBadSignature: the header is missing or malformed, or no signature in it matches the body.
	ErrBadSignature = errors.New("webhook: bad signature")
	// ErrStaleSignature: the signature matches but its time is outside the tolerance (a replay, or a
	// clock far off).
	ErrStaleSignature = errors.New("webhook: signature outside the time tolerance")
)

func mac(secret []byte, unix int64, body []byte) []byte {
	m := hmac.New(sha256.New, secret)
	m.Write(strconv.AppendInt(nil, unix, 10))
	m.Write([]byte{'.'})
	m.Write(body)
	return m.Sum(nil)
}

// Sign returns the Redress-Signature header value for body sent at t: "t=<unix seconds>,v1=<hex
// HMAC-SHA256(secret, "<unix seconds>.<body>")>".
func Sign(secret []byte, t time.Time, body []byte) string {
	unix := t.Unix()
	return "t=" + strconv.FormatInt(unix, 10) + ",v1=" + hex.EncodeToString(mac(secret, unix, body))
}

// Verify checks a Redress-Signature header against the raw body. It accepts the header when one of its
// v1 values (there may be several while a secret is rotated) matches and its time is within tolerance
// of now (zero tolerance means [DefaultTolerance]). It returns [ErrBadSignature] or
// [ErrStaleSignature], wrapped with what is wrong.
func Verify(secret []byte, header string, body []byte, now time.Time, tolerance time.Duration) error {
	if tolerance <= 0 {
		tolerance = DefaultTolerance
	}
	var (
		unix       int64
		haveT      bool
		candidates [][]byte
	)
	for part := range strings.SplitSeq(header, ",") {
		k, v, ok := strings.Cut(strings.TrimSpace(part), "=")
		if !ok {
			return fmt.Errorf("%w: %q is not key=value", ErrBadSignature, part)
		}
		switch k {
		case "t":
			n, err := strconv.ParseInt(v, 10, 64)
			if err != nil || haveT {
				return fmt.Errorf("%w: bad or repeated time %q", ErrBadSignature, v)
			}
			unix, haveT = n, true
		case "v1":
			b, err := hex.DecodeString(v)
			if err != nil || len(b) != sha256.Size {
				return fmt.Errorf("%w: v1 is not 64 hex digits", ErrBadSignature)
			}
			candidates = append(candidates, b)
		}
		// Other keys are future schemes; ignore them.
	}
	if !haveT || len(candidates) == 0 {
		return fmt.Errorf("%w: the header needs t= and v1=", ErrBadSignature)
	}
	want := mac(secret, unix, body)
	matched := false
	for _, c := range candidates {
		if hmac.Equal(c, want) {
			matched = true
		}
	}
	if !matched {
		return fmt.Errorf("%w: no v1 value matches the body", ErrBadSignature)
	}
	if d := now.Sub(time.Unix(unix, 0)); d > tolerance || d < -tolerance {
		return fmt.Errorf("%w: signed %s from now, tolerance %s", ErrStaleSignature, d.Round(time.Second), tolerance)
	}
	return nil
}
