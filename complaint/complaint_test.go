package complaint_test

import (
	"bytes"
	"crypto/rand"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/redresshq/redress/complaint"
)

func valid() *complaint.Complaint {
	return &complaint.Complaint{
		Channel:     "wechat",
		Customer:    complaint.Customer{ID: "c-1", Name: "王芳", Contact: "138 0000 0000"},
		Subject:     "血糖仪读数偏高",
		Description: "新买的血糖仪读数比医院高 3 mmol/L。",
	}
}

func fieldsOf(err error) []string {
	ve, ok := err.(*complaint.ValidationError)
	if !ok {
		return nil
	}
	var out []string
	for _, f := range ve.Fields {
		out = append(out, f.Field+":"+f.Code)
	}
	return out
}

func TestValidate(t *testing.T) {
	cases := []struct {
		name   string
		change func(c *complaint.Complaint)
		want   []string
	}{
		{"valid chinese", func(*complaint.Complaint) {}, nil},
		{"valid english", func(c *complaint.Complaint) { c.Subject, c.Description = "Late refund", "Still waiting." }, nil},
		{"subject exactly at the limit in chinese", func(c *complaint.Complaint) { c.Subject = strings.Repeat("慢", complaint.MaxSubjectLen) }, nil},
		{"subject one over", func(c *complaint.Complaint) { c.Subject = strings.Repeat("慢", complaint.MaxSubjectLen+1) }, []string{"subject:too_long"}},
		{"missing subject and description", func(c *complaint.Complaint) { c.Subject, c.Description = " ", "" },
			[]string{"subject:required", "description:required"}},
		{"bad channel", func(c *complaint.Complaint) { c.Channel = "We Chat" }, []string{"channel:invalid"}},
		{"no way to reach the customer", func(c *complaint.Complaint) { c.Customer = complaint.Customer{VIP: true} }, []string{"customer:required"}},
		{"bad severity and priority", func(c *complaint.Complaint) { c.Severity, c.Priority, c.Tier = "huge", 9, 4 },
			[]string{"severity:invalid", "priority:invalid", "tier:invalid"}},
		{"too many tags", func(c *complaint.Complaint) { c.Tags = make([]string, complaint.MaxTags+1); fill(c.Tags) }, []string{"tags:too_many"}},
		{"tag with space", func(c *complaint.Complaint) { c.Tags = []string{"a b"} }, []string{"tags[0]:invalid"}},
		{"attachment without uri", func(c *complaint.Complaint) { c.Attachments = []complaint.Attachment{{Name: "photo.jpg"}} },
			[]string{"attachments[0].uri:required"}},
		{"invalid utf-8", func(c *complaint.Complaint) { c.Description = "ok\xff" }, []string{"description:invalid"}},
		{"NUL byte", func(c *complaint.Complaint) { c.Place = "a\x00b" }, []string{"place:invalid"}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			c := valid()
			tc.change(c)
			err := c.Validate()
			if tc.want == nil {
				assert.NoError(t, err)
				return
			}
			require.Error(t, err)
			assert.Equal(t, tc.want, fieldsOf(err))
		})
	}
}

func fill(s []string) {
	for i := range s {
		s[i] = "t" + strings.Repeat("x", i)
	}
}

func TestCloneIsDeep(t *testing.T) {
	c := valid()
	c.Tags = []string{"a"}
	c.Custom = map[string]string{"k": "v"}
	d := c.Clone()
	d.Tags[0] = "b"
	d.Custom["k"] = "w"
	assert.Equal(t, "a", c.Tags[0])
	assert.Equal(t, "v", c.Custom["k"])
}

func TestTrackingCode(t *testing.T) {
	code, err := complaint.NewTrackingCode(rand.Reader)
	require.NoError(t, err)
	assert.Regexp(t, `^[0-9A-HJKMNP-TV-Z]{4}-[0-9A-HJKMNP-TV-Z]{4}-[0-9A-HJKMNP-TV-Z]{4}$`, code)

	got, err := complaint.ParseTrackingCode(strings.ToLower(strings.ReplaceAll(code, "-", " ")))
	require.NoError(t, err)
	assert.Equal(t, code, got)

	got, err = complaint.ParseTrackingCode("oilo-0000-1111")
	require.NoError(t, err)
	assert.Equal(t, "0110-0000-1111", got, "look-alike letters read as digits")

	for _, bad := range []string{"", "ABCD-EFGH-JKM", "ABCD-EFGH-JKMNP", "ABCD-EFGH-JKMU", "ABCD-EFGH-JKM€"} {
		_, err := complaint.ParseTrackingCode(bad)
		assert.ErrorIs(t, err, complaint.ErrBadTrackingCode, bad)
	}

	// Deterministic randomness gives a deterministic code: 60 bits, all of them used.
	a, _ := complaint.NewTrackingCode(bytes.NewReader([]byte{0, 0, 0, 0, 0, 0, 0, 0}))
	b, _ := complaint.NewTrackingCode(bytes.NewReader([]byte{0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff}))
	assert.Equal(t, "0000-0000-0000", a)
	assert.Equal(t, "ZZZZ-ZZZZ-ZZZZ", b)
	_, err = complaint.NewTrackingCode(bytes.NewReader([]byte{1, 2}))
	assert.Error(t, err, "a short read must fail, not produce a weak code")
}

func FuzzParseTrackingCode(f *testing.F) {
	for _, s := range []string{"ABCD-EFGH-JKMN", "abcd efgh jkmn", "0000-0000-0000", "", "----", "ü", "OILO-OILO-OILO"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		code, err := complaint.ParseTrackingCode(s)
		if err != nil {
			return
		}
		again, err := complaint.ParseTrackingCode(code)
		if err != nil || again != code {
			t.Fatalf("canonical form %q does not parse to itself: %q, %v", code, again, err)
		}
		if len(code) != 14 {
			t.Fatalf("canonical form has length %d", len(code))
		}
	})
}
