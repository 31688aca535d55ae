package routing

import (
	"context"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"pgregory.net/rapid"

	"github.com/redresshq/redress/complaint"
)

func TestLexiconAnalyze(t *testing.T) {
	tests := []struct {
		name     string
		text     string
		keywords []string
		lang     string
		// sign of the sentiment: -1 negative (below -0.1), 0 neutral, 1 positive (above 0.1)
		sign int
	}{
		{"chinese safety and injury", "充电器冒烟起火，孩子被烫伤送医了！", []string{KeywordSafety, KeywordInjury}, "zh", -1},
		{"english safety", "The heater caught fire and there was a burning smell.", []string{KeywordSafety}, "en", -1},
		{"chinese anger and refund", "太差了，气死我了，我要退款！", []string{KeywordAnger, KeywordRefund}, "zh", -1},
		{"english legal threat", "If this is not fixed I will contact my lawyer and take legal action.", []string{KeywordLegal}, "en", -1},
		{"chinese media", "再不处理我就发微博曝光你们", []string{KeywordMedia}, "zh", -1},
		{"english media", "I'm going to post this on social media and talk to a journalist", []string{KeywordMedia}, "en", -1},
		{"chinese medical device", "血糖仪读数不准", []string{KeywordMedical}, "zh", 0},
		{"chinese question", "请问保修期多久？", nil, "zh", 0},
		{"english question", "How long is the warranty?", nil, "en", 0},
		{"praise", "非常满意，谢谢你们的专业服务", nil, "zh", 1},
		{"english praise", "Thank you, the agent was very helpful. Excellent!", nil, "en", 1},
		{"chinese negated praise", "不太满意", nil, "zh", -1},
		{"english negated praise", "I am not satisfied at all", nil, "en", -1},
		{"chinese negated injury", "没有人受伤，但是机器冒烟了", []string{KeywordSafety}, "zh", -1},
		{"english negated injury", "No one was hurt, but it started sparking", []string{KeywordSafety}, "en", -1},
		{"refund stays under negation", "到现在还没有退款", []string{KeywordRefund}, "zh", -1},
		{"english word boundaries", "This issue is about a tissue box", nil, "en", 0},
		{"prefix terms", "They refunded nothing and keep delaying", []string{KeywordRefund, KeywordDelivery}, "en", -1},
		{"mixed", "我的 iPhone charger is broken and 客服 never answered", []string{KeywordQuality, KeywordService}, "mixed", -1},
		{"model numbers stay chinese", "型号 XQG-100 的洗衣机漏水了，质量问题", []string{KeywordQuality}, "zh", -1},
		{"traditional characters", "產品品質有問題，電擊到手", []string{KeywordSafety, KeywordQuality}, "zh", -1},
		{"curly apostrophe", "It doesn’t work", []string{KeywordQuality}, "en", -1},
		{"empty", "", nil, "", 0},
		{"punctuation only", "!?...", nil, "", 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s, err := DefaultLexicon().Analyze(context.Background(), tt.text)
			require.NoError(t, err)
			assert.Equal(t, tt.keywords, s.Keywords)
			assert.Equal(t, tt.lang, s.Language)
			switch tt.sign {
			case -1:
				assert.Less(t, s.Sentiment, -0.1)
			case 1:
				assert.Greater(t, s.Sentiment, 0.1)
			default:
				assert.InDelta(t, 0, s.Sentiment, 0.01)
			}
		})
	}
}

func TestLexiconCustom(t *testing.T) {
	l, err := NewLexicon([]Term{
		{Text: "Widget*", Keyword: "product", Weight: 0},
		{Text: "kaputt", Keyword: "quality", Weight: -3},
		{Text: "nicht", Negator: true},
		{Text: "gut", Weight: 2},
	})
	require.NoError(t, err)
	s, err := l.Analyze(context.Background(), "Das WIDGETS ist kaputt und nicht gut")
	require.NoError(t, err)
	assert.Equal(t, []string{KeywordQuality, "product"}, s.Keywords, "known categories first, then the others sorted")
	assert.Less(t, s.Sentiment, -0.7)
	assert.True(t, s.Has("product"))
	assert.False(t, s.Has("anger"))

	_, err = NewLexicon([]Term{{Text: "  "}})
	assert.Error(t, err)
	_, err = NewLexicon([]Term{{Text: "a"}, {Text: "A"}})
	assert.Error(t, err)
}

func TestDefaultTermsAreValid(t *testing.T) {
	terms := DefaultTerms()
	_, err := NewLexicon(terms)
	require.NoError(t, err)
	for _, term := range terms {
		if term.Keyword != "" {
			assert.Contains(t, KeywordCategories, term.Keyword, term.Text)
		}
		assert.Equal(t, strings.ToLower(term.Text), term.Text, "terms are written lower-case")
	}
	terms[0].Text = "changed"
	assert.NotEqual(t, "changed", DefaultTerms()[0].Text, "DefaultTerms returns a copy")
}

func TestAnalyzeCanceled(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	_, err := DefaultLexicon().Analyze(ctx, "text")
	assert.ErrorIs(t, err, context.Canceled)
}

func TestAnalyzeAnyText(t *testing.T) {
	rapid.Check(t, func(t *rapid.T) {
		text := rapid.OneOf(rapid.String(), rapid.StringOf(rapid.SampledFrom([]rune("不没有受伤退款 notrefundhurt,.!我的")))).Draw(t, "text")
		s, err := DefaultLexicon().Analyze(context.Background(), text)
		require.NoError(t, err)
		assert.GreaterOrEqual(t, s.Sentiment, -1.0)
		assert.LessOrEqual(t, s.Sentiment, 1.0)
		assert.Contains(t, []string{"", "zh", "en", "mixed"}, s.Language)
		seen := map[string]bool{}
		for _, k := range s.Keywords {
			assert.False(t, seen[k], "keyword %q twice", k)
			seen[k] = true
		}
	})
}

func TestLowerText(t *testing.T) {
	rapid.Check(t, func(t *rapid.T) {
		s := rapid.String().Draw(t, "s")
		if !utf8.ValidString(s) {
			return
		}
		assert.Equal(t, strings.ToLower(s), lowerText(s))
	})
	s := "已经是小写 already lower"
	assert.Equal(t, s, lowerText(s))
	assert.Equal(t, "型号 xqg-100 ΣΑΣ", lowerText("型号 XQG-100 ΣΑΣ")[:len("型号 xqg-100 ")]+"ΣΑΣ")
}

func TestComplaintText(t *testing.T) {
	assert.Equal(t, "s\nd", ComplaintText(&complaint.Complaint{Subject: "s", Description: "d"}))
	assert.Equal(t, "d", ComplaintText(&complaint.Complaint{Description: "d"}))
	assert.Equal(t, "s", ComplaintText(&complaint.Complaint{Subject: "s"}))
}
