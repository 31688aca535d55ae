package routing

import (
	"strings"
	"unicode"
	"unicode/utf8"

	"cel.dev/cel-go/common/types"
	"cel.dev/cel-go/common/types/ref"
	"cel.dev/cel-go/common/types/traits"
	"cel.dev/cel-go/interpreter"
)

// Text helpers: containsAny and the lower-casing behind it.
//
// containsAny(s, terms) ignores case. Rules usually call it with a literal list, so the program is
// specialised when it is planned: the terms are lower-cased once, and when s is the variable text
// (already lower-case) nothing is lower-cased per evaluation at all.

// lowerText lower-cases s. It returns s itself, without allocating, when nothing changes, and it skips
// Chinese, Japanese and Korean characters (which have no case) without decoding them.
func lowerText(s string) string {
	for i := 0; i < len(s); {
		c := s[i]
		switch {
		case c < utf8.RuneSelf:
			if 'A' <= c && c <= 'Z' {
				return lowerFrom(s, i)
			}
			i++
		case (c >= 0xE3 && c <= 0xE9 || c >= 0xEB && c <= 0xED) && i+3 <= len(s):
			i += 3 // U+3000–U+9FFF and U+B000–U+DFFF: CJK and Hangul, caseless
		default:
			r, size := utf8.DecodeRuneInString(s[i:])
			if unicode.ToLower(r) != r {
				return lowerFrom(s, i)
			}
			i += size
		}
	}
	return s
}

func lowerFrom(s string, i int) string {
	b := make([]byte, 0, len(s)+8)
	b = append(b, s[:i]...)
	for i < len(s) {
		c := s[i]
		switch {
		case c < utf8.RuneSelf:
			if 'A' <= c && c <= 'Z' {
				c += 'a' - 'A'
			}
			b = append(b, c)
			i++
		case (c >= 0xE3 && c <= 0xE9 || c >= 0xEB && c <= 0xED) && i+3 <= len(s):
			b = append(b, s[i:i+3]...)
			i += 3
		default:
			r, size := utf8.DecodeRuneInString(s[i:])
			if r == utf8.RuneError && size == 1 {
				b = append(b, c) // keep invalid bytes as they are
			} else {
				b = utf8.AppendRune(b, unicode.ToLower(r))
			}
			i += size
		}
	}
	return string(b)
}

// containsAnyLower reports whether the lower-case text s contains any of the lower-case terms.
func containsAnyLower(s string, terms []string) bool {
	for _, t := range terms {
		if strings.Contains(s, t) {
			return true
		}
	}
	return false
}

// containsAnyBinding is the general implementation, for term lists that are not literals.
func containsAnyBinding(lhs, rhs ref.Val) ref.Val {
	s, ok := lhs.(types.String)
	if !ok {
		return types.MaybeNoSuchOverloadErr(lhs)
	}
	l, ok := rhs.(traits.Lister)
	if !ok {
		return types.MaybeNoSuchOverloadErr(rhs)
	}
	ls := lowerText(string(s))
	n, _ := l.Size().(types.Int)
	for i := types.Int(0); i < n; i++ {
		if t, ok := l.Get(i).(types.String); ok && strings.Contains(ls, lowerText(string(t))) {
			return types.True
		}
	}
	return types.False
}

// containsAnyConst is containsAny with a literal term list, planned once.
type containsAnyConst struct {
	id    int64
	arg   interpreter.InterpretableV2
	terms []string // lower-cased
	lower bool     // whether the argument needs lower-casing (it is not the variable text)
}

func (c *containsAnyConst) ID() int64 { return c.id }

func (c *containsAnyConst) Eval(vars interpreter.Activation) ref.Val {
	return interpreter.EvalActivation(vars, c.Exec)
}

func (c *containsAnyConst) Exec(frame *interpreter.ExecutionFrame) ref.Val {
	v := c.arg.Exec(frame)
	s, ok := v.(types.String)
	if !ok {
		return types.MaybeNoSuchOverloadErr(v)
	}
	str := string(s)
	if c.lower {
		str = lowerText(str)
	}
	return types.Bool(containsAnyLower(str, c.terms))
}

// specialiseContainsAny is a planner decorator: it replaces containsAny calls whose term list is a
// constant with a containsAnyConst.
func specialiseContainsAny(i interpreter.InterpretableV2) (interpreter.InterpretableV2, error) {
	call, ok := i.(interpreter.InterpretableCall)
	if !ok || call.Function() != containsAnyFn || len(call.Args()) != 2 {
		return i, nil
	}
	lit, ok := call.Args()[1].(interpreter.InterpretableConst)
	if !ok {
		return i, nil
	}
	l, ok := lit.Value().(traits.Lister)
	if !ok {
		return i, nil
	}
	n, _ := l.Size().(types.Int)
	terms := make([]string, 0, n)
	for j := types.Int(0); j < n; j++ {
		t, ok := l.Get(j).(types.String)
		if !ok {
			return i, nil
		}
		terms = append(terms, lowerText(string(t)))
	}
	arg := call.Args()[0]
	return &containsAnyConst{id: call.ID(), arg: arg, terms: terms, lower: !isTextVar(arg)}, nil
}

func isTextVar(i interpreter.InterpretableV2) bool {
	a, ok := i.(interpreter.InterpretableAttribute)
	if !ok {
		return false
	}
	ns, ok := a.Attr().(interpreter.NamespacedAttribute)
	if !ok || len(ns.Qualifiers()) != 0 {
		return false
	}
	names := ns.CandidateVariableNames()
	return len(names) == 1 && names[0] == varText
}
