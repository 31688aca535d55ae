package routing

import (
	"context"
	"fmt"
	"math"
	"slices"
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/redresshq/redress/complaint"
)

// Signals are what a text analyzer reads from a complaint's words. Rules see them as signals.sentiment,
// signals.keywords and signals.language.
type Signals struct {
	// Sentiment runs from -1 (very negative) to 1 (very positive); 0 is neutral or unknown.
	Sentiment float64 `json:"sentiment"`
	// Keywords are the normalized keyword categories the text hit, such as "anger", "safety",
	// "injury", "refund", "legal", "media" (see the Keyword constants), each once, in the order of
	// [KeywordCategories].
	Keywords []string `json:"keywords,omitempty"`
	// Language is "zh", "en", "mixed", or "" when the text has no words.
	Language string `json:"language,omitempty"`
}

// Has reports whether the signals carry keyword k.
func (s Signals) Has(k string) bool { return slices.Contains(s.Keywords, k) }

// Analyzer reads signals from text. Implementations must be safe for concurrent use; an analyzer that
// calls a remote model must honour ctx.
type Analyzer interface {
	Analyze(ctx context.Context, text string) (Signals, error)
}

// ComplaintText is the text an analyzer should read for c: its subject and description.
func ComplaintText(c *complaint.Complaint) string {
	if c.Subject == "" {
		return c.Description
	}
	if c.Description == "" {
		return c.Subject
	}
	return c.Subject + "\n" + c.Description
}

// Keyword categories of the default lexicon.
const (
	KeywordAnger    = "anger"
	KeywordSafety   = "safety"
	KeywordInjury   = "injury"
	KeywordRefund   = "refund"
	KeywordLegal    = "legal"
	KeywordMedia    = "media"
	KeywordUrgent   = "urgent"
	KeywordRepeat   = "repeat"
	KeywordMedical  = "medical"
	KeywordQuality  = "quality"
	KeywordDelivery = "delivery"
	KeywordBilling  = "billing"
	KeywordService  = "service"
)

// KeywordCategories lists the default lexicon's categories in the order [Signals.Keywords] uses.
var KeywordCategories = []string{
	KeywordSafety, KeywordInjury, KeywordMedical, KeywordLegal, KeywordMedia, KeywordAnger, KeywordUrgent,
	KeywordRepeat, KeywordRefund, KeywordQuality, KeywordDelivery, KeywordBilling, KeywordService,
}

// Term is one entry of a [Lexicon].
type Term struct {
	// Text is matched case-insensitively. Terms in Latin script match whole words only; a trailing
	// '*' lets them match any word that starts with them (refund* matches refunds, refunded). Chinese
	// terms match anywhere, since Chinese has no spaces between words.
	Text string
	// Keyword is the category the term signals, or "" for a term that only carries sentiment.
	Keyword string
	// Weight is added to the text's sentiment score: negative for complaint words, positive for
	// praise.
	Weight float64
	// Negator marks a negating word (不, 没有, not, never, ...). A negator applies to a term that
	// follows closely (within two characters in Chinese, two words in English, no punctuation between):
	// a positive weight turns negative ("not satisfied"); a negative one stays, since a complaint is
	// negative whichever way it is put ("还没有退款", "no refund yet").
	Negator bool
	// Negatable terms are cancelled by a negator: no weight and no keyword ("没有人受伤", "no one was
	// hurt"). Keep it false for words whose topic stands under negation ("没有退款" is still about a
	// refund).
	Negatable bool
}

// Lexicon is the default [Analyzer]: a dictionary of complaint vocabulary in Chinese and English.
//
// It is a lexicon, not a language model. It finds the terms it knows (longest match first, whole words
// for English, anywhere for Chinese), adds their weights into a score, and maps the score onto -1..1 with
// tanh(score/3). Its only grammar is negation: a negator directly before a term (two characters in
// Chinese, two words in English, with no punctuation in between) turns praise into complaint ("不满意"
// aside, "不太满意", "not satisfied") and cancels a negatable term such as an injury word ("没有人受伤",
// "no one was hurt"). It does not
// understand irony, questions, reported speech ("the shop said it was safe"), or words it has not been
// given; typos and unknown slang are invisible to it. Language is guessed from the share of Han
// characters against Latin words. Treat its output as hints for routing, never as a verdict about a
// customer.
type Lexicon struct {
	root *trieNode
}

type trieNode struct {
	next map[rune]*trieNode
	term *Term // set when a term ends here
}

// NewLexicon builds a lexicon from terms. It returns an error when a term is empty or given twice.
func NewLexicon(terms []Term) (*Lexicon, error) {
	l := &Lexicon{root: &trieNode{}}
	for i := range terms {
		t := terms[i]
		key := strings.ToLower(strings.TrimSpace(t.Text))
		if prefix, ok := strings.CutSuffix(key, "*"); ok {
			key = prefix
		}
		if key == "" {
			return nil, fmt.Errorf("routing: lexicon term %d is empty", i)
		}
		n := l.root
		for _, r := range key {
			if n.next == nil {
				n.next = make(map[rune]*trieNode)
			}
			c, ok := n.next[r]
			if !ok {
				c = &trieNode{}
				n.next[r] = c
			}
			n = c
		}
		if n.term != nil {
			return nil, fmt.Errorf("routing: lexicon term %q given twice", t.Text)
		}
		n.term = &t
	}
	return l, nil
}

// DefaultLexicon returns the built-in Chinese and English complaint lexicon (see [DefaultTerms]).
func DefaultLexicon() *Lexicon { return defaultLexicon }

var defaultLexicon = func() *Lexicon {
	l, err := NewLexicon(DefaultTerms())
	if err != nil {
		panic(err) // the built-in table is fixed; a test keeps it valid
	}
	return l
}()

var _ Analyzer = (*Lexicon)(nil)

func isLatin(r rune) bool {
	return r < utf8.RuneSelf && (r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || r == '\'')
}

func isLetter(r rune) bool { return r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' }

func isBreak(r rune) bool {
	switch r {
	case '.', ',', ';', '!', '?', ':', '\n', '。', '，', '；', '！', '？', '：', '、':
		return true
	}
	return false
}

// Analyze reads signals from text. It never fails except when ctx is done.
func (l *Lexicon) Analyze(ctx context.Context, text string) (Signals, error) {
	if err := ctx.Err(); err != nil {
		return Signals{}, err
	}
	rs := []rune(strings.ReplaceAll(lowerText(text), "\u2019", "'"))
	var (
		score     float64
		hits      = map[string]bool{}
		negEnd    = -1 // rune index just past the last negator
		negLatin  bool
		han, word int
	)
	for i := 0; i < len(rs); {
		r := rs[i]
		if unicode.Is(unicode.Han, r) {
			han++
		}
		atWordStart := isLatin(r) && (i == 0 || !isLatin(rs[i-1]))
		if atWordStart && isLetter(r) {
			word++
		}
		if isLatin(r) && !atWordStart {
			i++
			continue
		}
		t, end := l.match(rs, i)
		if t == nil {
			if isBreak(r) {
				negEnd = -1
			}
			i++
			continue
		}
		if t.Negator {
			negEnd, negLatin = end, isLatin(rs[end-1])
			i = end
			continue
		}
		negated := negEnd >= 0 && negatedBy(rs[negEnd:i], negLatin)
		w := t.Weight
		switch {
		case negated && t.Negatable:
			w = 0 // "no one was hurt": the topic is absent, not praised
		case negated && w > 0:
			w = -w // "not satisfied"
		}
		score += w
		if t.Keyword != "" && !(negated && t.Negatable) {
			hits[t.Keyword] = true
		}
		// Words inside a Latin match still count for language detection.
		for j := i + 1; j < end; j++ {
			if isLetter(rs[j]) && !isLatin(rs[j-1]) {
				word++
			}
			if unicode.Is(unicode.Han, rs[j]) {
				han++
			}
		}
		i = end
	}
	var s Signals
	s.Sentiment = math.Tanh(score / 3)
	for _, k := range KeywordCategories {
		if hits[k] {
			s.Keywords = append(s.Keywords, k)
			delete(hits, k)
		}
	}
	if len(hits) > 0 { // categories of a custom lexicon, after the known ones, sorted
		extra := make([]string, 0, len(hits))
		for k := range hits {
			extra = append(extra, k)
		}
		slices.Sort(extra)
		s.Keywords = append(s.Keywords, extra...)
	}
	s.Language = language(han, word)
	return s, nil
}

// negatedBy reports whether the gap between a negator and a term is short enough for the negator to
// apply: at most two characters after a Chinese negator, at most two words after an English one, and
// no punctuation.
func negatedBy(gap []rune, latin bool) bool {
	words, inWord := 0, false
	for _, r := range gap {
		if isBreak(r) {
			return false
		}
		if isLatin(r) {
			if !inWord {
				words++
			}
			inWord = true
		} else {
			inWord = false
		}
	}
	if latin {
		return words <= 2 && len(gap) <= 24
	}
	return len(gap) <= 2
}

// match finds the longest term starting at rs[i], honouring word boundaries for Latin terms.
func (l *Lexicon) match(rs []rune, i int) (*Term, int) {
	n := l.root
	var best *Term
	bestEnd := 0
	for j := i; j < len(rs); j++ {
		c, ok := n.next[rs[j]]
		if !ok {
			break
		}
		n = c
		if n.term == nil {
			continue
		}
		end := j + 1
		if strings.HasSuffix(n.term.Text, "*") {
			for end < len(rs) && isLatin(rs[end]) {
				end++
			}
		} else if isLatin(rs[j]) && end < len(rs) && isLatin(rs[end]) {
			continue // a Latin term must end at a word boundary
		}
		best, bestEnd = n.term, end
	}
	return best, bestEnd
}

func language(han, words int) string {
	if han == 0 && words == 0 {
		return ""
	}
	// A Latin word weighs about as much as two Han characters; model numbers and brand names in
	// Chinese text should not make it "mixed".
	share := float64(han) / float64(han+2*words)
	switch {
	case share >= 0.8:
		return "zh"
	case share <= 0.2:
		return "en"
	}
	return "mixed"
}
