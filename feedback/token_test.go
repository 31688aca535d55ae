package feedback_test

import (
	"bytes"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"strings"
	"testing"
	"testing/iotest"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/redresshq/redress/feedback"
)

func TestNewTokenKnownBytes(t *testing.T) {
	src := bytes.Repeat([]byte{0xfb, 0xff}, 16) // exercises '-' and '_' of the URL-safe alphabet
	token, hash, err := feedback.NewToken(bytes.NewReader(src))
	require.NoError(t, err)
	assert.Equal(t, "-__7__v_-__7__v_-__7__v_-__7__v_-__7__v_-_8", token)
	sum := sha256.Sum256([]byte(token))
	assert.Equal(t, hex.EncodeToString(sum[:]), hash)
	assert.Len(t, token, feedback.TokenLen)
	assert.Equal(t, base64.RawURLEncoding.EncodedLen(feedback.TokenBytes), feedback.TokenLen)

	got, err := feedback.HashToken(token)
	require.NoError(t, err)
	assert.Equal(t, hash, got)
}

func TestNewTokenRandom(t *testing.T) {
	a, ha, err := feedback.NewToken(rand.Reader)
	require.NoError(t, err)
	b, hb, err := feedback.NewToken(rand.Reader)
	require.NoError(t, err)
	assert.NotEqual(t, a, b)
	assert.NotEqual(t, ha, hb)
	assert.NotContains(t, a, "=")
	assert.Equal(t, -1, strings.IndexFunc(a, func(r rune) bool {
		return !(r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || r == '-' || r == '_')
	}), "URL-safe alphabet only")
}

func TestNewTokenReaderFails(t *testing.T) {
	_, _, err := feedback.NewToken(bytes.NewReader(make([]byte, feedback.TokenBytes-1)))
	assert.Error(t, err)
	boom := errors.New("boom")
	_, _, err = feedback.NewToken(iotest.ErrReader(boom))
	assert.ErrorIs(t, err, boom)
}

func TestHashTokenRejects(t *testing.T) {
	good, _, err := feedback.NewToken(bytes.NewReader(make([]byte, feedback.TokenBytes)))
	require.NoError(t, err)
	tests := map[string]string{
		"empty":          "",
		"short":          good[:42],
		"long":           good + "A",
		"padding":        good[:42] + "=",
		"std alphabet":   strings.Repeat("+", 43),
		"non-canonical":  good[:42] + "B", // the last symbol carries 2 unused bits that must be zero
		"space":          " " + good[1:],
		"multi-byte":     "é" + good[2:],
		"hash as token":  strings.Repeat("a", 64),
		"trailing space": good[:42] + " ",
		"newlines":       "0000\n\n\n\n" + good[8:],
	}
	for name, tok := range tests {
		t.Run(name, func(t *testing.T) {
			h, err := feedback.HashToken(tok)
			assert.ErrorIs(t, err, feedback.ErrBadToken)
			assert.Empty(t, h)
		})
	}
}

func FuzzHashToken(f *testing.F) {
	good, _, _ := feedback.NewToken(bytes.NewReader(make([]byte, feedback.TokenBytes)))
	f.Add(good)
	f.Add("")
	f.Add(strings.Repeat("_", 43))
	f.Add(good[:42] + "B")
	f.Fuzz(func(t *testing.T, s string) {
		h, err := feedback.HashToken(s)
		if err != nil {
			require.ErrorIs(t, err, feedback.ErrBadToken)
			return
		}
		// Whatever is accepted decodes to exactly TokenBytes and re-encodes to itself: one spelling
		// per token, so one hash per token.
		raw, derr := base64.RawURLEncoding.DecodeString(s)
		require.NoError(t, derr)
		require.Len(t, raw, feedback.TokenBytes)
		require.Equal(t, s, base64.RawURLEncoding.EncodeToString(raw))
		sum := sha256.Sum256([]byte(s))
		require.Equal(t, hex.EncodeToString(sum[:]), h)
	})
}
