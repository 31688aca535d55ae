package complaint

import (
	"errors"
	"fmt"
	"io"
	"strings"
)

// crockford is Crockford's base32 alphabet: digits and upper-case letters without I, L, O and U, so a
// code survives being read over the phone.
const crockford = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"

// TrackingCodeLen is the number of symbols in a tracking code (5 bits each: 60 bits of randomness).
const TrackingCodeLen = 12

// ErrBadTrackingCode is returned by [ParseTrackingCode] for input that cannot be a tracking code.
var ErrBadTrackingCode = errors.New("complaint: malformed tracking code")

// NewTrackingCode draws a tracking code from rand (use crypto/rand.Reader outside tests) and returns it
// in canonical form, XXXX-XXXX-XXXX.
func NewTrackingCode(rand io.Reader) (string, error) {
	var buf [8]byte
	if _, err := io.ReadFull(rand, buf[:]); err != nil {
		return "", fmt.Errorf("complaint: tracking code: %w", err)
	}
	var n uint64
	for _, b := range buf {
		n = n<<8 | uint64(b)
	}
	var sym [TrackingCodeLen]byte
	for i := range sym {
		sym[i] = crockford[n&31]
		n >>= 5
	}
	return format(sym[:]), nil
}

func format(sym []byte) string {
	var b strings.Builder
	for i, s := range sym {
		if i > 0 && i%4 == 0 {
			b.WriteByte('-')
		}
		b.WriteByte(s)
	}
	return b.String()
}

// ParseTrackingCode normalises what a customer typed into the canonical form: it ignores case, spaces
// and hyphens and reads I and L as 1 and O as 0. It returns [ErrBadTrackingCode] for anything else.
func ParseTrackingCode(s string) (string, error) {
	if len(s) > 64 {
		return "", ErrBadTrackingCode
	}
	sym := make([]byte, 0, TrackingCodeLen)
	for _, r := range s {
		switch {
		case r == '-' || r == ' ':
			continue
		case r >= 'a' && r <= 'z':
			r -= 'a' - 'A'
		}
		switch r {
		case 'I', 'L':
			r = '1'
		case 'O':
			r = '0'
		}
		if r > 127 || !strings.ContainsRune(crockford, r) {
			return "", ErrBadTrackingCode
		}
		sym = append(sym, byte(r))
	}
	if len(sym) != TrackingCodeLen {
		return "", ErrBadTrackingCode
	}
	return format(sym), nil
}
