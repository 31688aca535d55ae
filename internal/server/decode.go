package server

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"mime"
	"net/http"
	"strconv"
	"strings"
)

// readBody reads a request body of at most limit bytes. A larger body is an *http.MaxBytesError
// (413); a body that is not JSON by its Content-Type is 415. A missing Content-Type is accepted.
func readBody(w http.ResponseWriter, r *http.Request, limit int64) ([]byte, error) {
	if ct := r.Header.Get("Content-Type"); ct != "" {
		mt, _, err := mime.ParseMediaType(ct)
		if err != nil || (mt != "application/json" && !strings.HasSuffix(mt, "+json")) {
			return nil, reqErr("unsupported-media-type", fmt.Sprintf("Content-Type %q is not application/json", ct))
		}
	}
	body, err := io.ReadAll(http.MaxBytesReader(w, r.Body, limit))
	if err != nil {
		var mbe *http.MaxBytesError
		if errors.As(err, &mbe) {
			return nil, err
		}
		return nil, reqErr("bad-request", "the body could not be read: "+err.Error())
	}
	return body, nil
}

// decodeJSON decodes body into v, which must be a pointer to a struct: the body must be exactly one
// JSON object whose keys are all fields of v. Every failure is a 400 problem that says what is wrong
// and where.
func decodeJSON(body []byte, v any) error {
	trimmed := bytes.TrimLeft(body, " \t\r\n")
	switch {
	case len(trimmed) == 0:
		return reqErr("invalid-json", "the body is empty; send a JSON object")
	case trimmed[0] != '{':
		return reqErr("invalid-json", "the body must be a JSON object")
	}
	dec := json.NewDecoder(bytes.NewReader(body))
	dec.DisallowUnknownFields()
	if err := dec.Decode(v); err != nil {
		return reqErr("invalid-json", describeJSONError(err, body))
	}
	if _, err := dec.Token(); err != io.EOF {
		return reqErr("invalid-json", fmt.Sprintf("unexpected data after the JSON object at byte %d; send exactly one JSON value", dec.InputOffset()))
	}
	return nil
}

// describeJSONError turns encoding/json's errors into a sentence naming the field or position.
func describeJSONError(err error, body []byte) string {
	var (
		se *json.SyntaxError
		te *json.UnmarshalTypeError
	)
	switch {
	case errors.As(err, &se):
		line, col := position(body, se.Offset)
		return fmt.Sprintf("malformed JSON at line %d, column %d: %s", line, col, se.Error())
	case errors.As(err, &te):
		field := te.Field
		if field == "" {
			field = "the body"
		}
		return fmt.Sprintf("%s: expected %s, got a JSON %s", field, te.Type, te.Value)
	case errors.Is(err, io.ErrUnexpectedEOF):
		return "the JSON ends too early"
	}
	msg := err.Error()
	if name, ok := strings.CutPrefix(msg, "json: unknown field "); ok {
		// encoding/json has no typed error for unknown fields; this is its documented message.
		if unq, err := strconv.Unquote(name); err == nil {
			name = unq
		}
		return fmt.Sprintf("unknown field %q", name)
	}
	return strings.TrimPrefix(msg, "json: ")
}

// position converts a byte offset into a 1-based line and column.
func position(body []byte, off int64) (line, col int) {
	off = min(max(off, 0), int64(len(body)))
	before := body[:off]
	line = bytes.Count(before, []byte{'\n'}) + 1
	col = int(off) - bytes.LastIndexByte(before, '\n')
	return line, col
}
