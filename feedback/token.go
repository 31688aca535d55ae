package feedback

import (
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
)

// TokenBytes is the randomness in a survey token: 256 bits, far beyond guessing.
const TokenBytes = 32

// TokenLen is the length of a token as text: TokenBytes in unpadded URL-safe base64.
const TokenLen = 43

// ErrBadToken: the text cannot be a survey token (wrong length or alphabet). Lookups return it before
// touching the store.
var ErrBadToken = errors.New("feedback: malformed survey token")

var tokenEncoding = base64.RawURLEncoding.Strict()

// NewToken draws a survey link token from rand (use crypto/rand.Reader outside tests) and returns the
// token, to put in the link sent to the customer, and its hash, to store in [Survey.TokenHash]. The
// token is 43 URL-safe characters (256 random bits) and is never stored: a leaked database does not
// leak working links. It returns an error when rand fails.
func NewToken(rand io.Reader) (token, hash string, err error) {
	var buf [TokenBytes]byte
	if _, err := io.ReadFull(rand, buf[:]); err != nil {
		return "", "", fmt.Errorf("feedback: survey token: %w", err)
	}
	token = tokenEncoding.EncodeToString(buf[:])
	return token, hashOf(token), nil
}

// HashToken returns the hash under which the survey for token is stored, for lookup when the customer
// opens the link. It returns [ErrBadToken] for text that [NewToken] cannot have produced.
func HashToken(token string) (string, error) {
	if len(token) != TokenLen {
		return "", ErrBadToken
	}
	for i := 0; i < len(token); i++ {
		c := token[i]
		if !(c >= 'A' && c <= 'Z' || c >= 'a' && c <= 'z' || c >= '0' && c <= '9' || c == '-' || c == '_') {
			return "", ErrBadToken // the decoder alone would skip \r and \n
		}
	}
	// Strict decoding also refuses a last symbol with unused bits set, so each token has one spelling.
	if _, err := tokenEncoding.DecodeString(token); err != nil {
		return "", ErrBadToken
	}
	return hashOf(token), nil
}

func hashOf(token string) string {
	sum := sha256.Sum256([]byte(token))
	return hex.EncodeToString(sum[:])
}

func validHash(h string) bool {
	if len(h) != 2*sha256.Size {
		return false
	}
	for i := 0; i < len(h); i++ {
		c := h[i]
		if !(c >= '0' && c <= '9' || c >= 'a' && c <= 'f') {
			return false
		}
	}
	return true
}
