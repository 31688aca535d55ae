package routing

import (
	"errors"
	"fmt"
	"math"
	"strings"

	yaml "github.com/goccy/go-yaml"
	"github.com/goccy/go-yaml/ast"
	"github.com/goccy/go-yaml/parser"
	"github.com/goccy/go-yaml/token"
)

// This file reads rule and policy files with github.com/goccy/go-yaml's AST, so that every value keeps
// its line and column and every error can point at the key that is wrong.

// Limits on the files this package reads. They keep a hostile or broken file from tying up the YAML
// parser, whose time grows faster than linearly with the nesting of [ ] and { }.
const (
	MaxFileSize = 1 << 20 // bytes
	MaxRules    = 5000    // rules per file
	maxNesting  = 32      // depth of [ ] and { } (flow collections), and of "- - -" on one line
	maxIndent   = 256     // leading spaces of a line
)

// blockDepth checks every line's indentation and the number of block indicators ("- ", "? ", ": ")
// that open nested collections at its start ("- - - x"), returning the first line over the limits.
func blockDepth(src []byte) (line, col int, msg string) {
	ln := 1
	for start := 0; start < len(src); {
		end := start
		for end < len(src) && src[end] != '\n' {
			end++
		}
		i := start
		for i < end && src[i] == ' ' {
			i++
		}
		if i-start > maxIndent {
			return ln, i - start, fmt.Sprintf("a line is indented %d spaces, at most %d allowed", i-start, maxIndent)
		}
		n := 0
		for i < end && (src[i] == '-' || src[i] == '?' || src[i] == ':') && (i+1 == end || src[i+1] == ' ') {
			n++
			i += 2
			for i < end && src[i] == ' ' {
				i++
			}
		}
		if n > maxNesting {
			return ln, 1, fmt.Sprintf("a line opens %d nested collections, at most %d allowed", n, maxNesting)
		}
		start, ln = end+1, ln+1
	}
	return 0, 0, ""
}

// flowDepth returns the deepest nesting of [ ] and { } and where it is reached. It is a cheap scan, not
// a parser: it counts brackets everywhere, in quotes and comments too. That can only overstate the depth
// (a real file has no reason to come near the limit), and it cannot be fooled into understating it.
func flowDepth(src []byte) (depth, line, col int) {
	cur, ln, c := 0, 1, 0
	for _, b := range src {
		c++
		switch b {
		case '\n':
			ln, c = ln+1, 0
		case '[', '{':
			cur++
			if cur > depth {
				depth, line, col = cur, ln, c
			}
		case ']', '}':
			if cur > 0 {
				cur--
			}
		}
	}
	return depth, line, col
}

// pos is a 1-based line and column in a file.
type pos struct{ line, col int }

func nodePos(n ast.Node) pos {
	if n == nil {
		return pos{}
	}
	t := n.GetToken()
	if t == nil || t.Position == nil {
		return pos{}
	}
	return pos{t.Position.Line, max(t.Position.Column, 1)}
}

// fileErr builds a *RuleError at a node.
func fileErr(rule, key string, at pos, kind error, format string, args ...any) *RuleError {
	return &RuleError{Rule: rule, Key: key, Line: at.line, Column: at.col, Err: fmt.Errorf("%w: %s", kind, fmt.Sprintf(format, args...))}
}

// parseYAML parses src into the body of its single document.
func parseYAML(src []byte) (body ast.Node, rerr *RuleError) {
	if len(src) > MaxFileSize {
		return nil, fileErr("", "", pos{}, ErrSyntax, "file has %d bytes, at most %d allowed", len(src), MaxFileSize)
	}
	if d, line, col := flowDepth(src); d > maxNesting {
		return nil, fileErr("", "", pos{line, col}, ErrSyntax, "[ ] and { } nest %d deep, at most %d allowed", d, maxNesting)
	}
	if line, col, msg := blockDepth(src); msg != "" {
		return nil, fileErr("", "", pos{line, col}, ErrSyntax, "%s", msg)
	}
	defer func() {
		// The YAML parser is outside code; a panic on hostile input must not take the server down.
		if r := recover(); r != nil {
			body, rerr = nil, fileErr("", "", pos{}, ErrSyntax, "YAML parser failed: %v", r)
		}
	}()
	f, err := parser.ParseBytes(src, 0)
	if err != nil {
		var yerr yaml.Error
		if errors.As(err, &yerr) {
			at := pos{}
			if t := yerr.GetToken(); t != nil && t.Position != nil {
				at = pos{t.Position.Line, max(t.Position.Column, 1)}
			}
			return nil, fileErr("", "", at, ErrSyntax, "%s", yerr.GetMessage())
		}
		return nil, fileErr("", "", pos{}, ErrSyntax, "%v", err)
	}
	var docs []*ast.DocumentNode
	for _, d := range f.Docs {
		if d != nil && d.Body != nil {
			docs = append(docs, d)
		}
	}
	switch len(docs) {
	case 0:
		return nil, fileErr("", "", pos{1, 1}, ErrSyntax, "the file is empty")
	case 1:
		return docs[0].Body, nil
	}
	return nil, fileErr("", "", nodePos(docs[1].Body), ErrSyntax, "the file holds %d YAML documents; put everything in one", len(docs))
}

// plain removes anchors; aliases, tags and merge keys are refused, so a file means what it says and
// cannot expand itself.
func plain(n ast.Node, rule, key string) (ast.Node, *RuleError) {
	for {
		switch v := n.(type) {
		case *ast.AnchorNode:
			n = v.Value
		case *ast.AliasNode:
			return nil, fileErr(rule, key, nodePos(v), ErrSyntax, "aliases (*name) are not supported")
		case *ast.TagNode:
			return nil, fileErr(rule, key, nodePos(v), ErrSyntax, "tags (!name) are not supported")
		case nil:
			return nil, nil
		default:
			return n, nil
		}
	}
}

// entry is one key of a YAML mapping.
type entry struct {
	key string
	at  pos
	val ast.Node
}

func mapping(n ast.Node, rule, key string) ([]entry, *RuleError) {
	n, rerr := plain(n, rule, key)
	if rerr != nil {
		return nil, rerr
	}
	var values []*ast.MappingValueNode
	switch v := n.(type) {
	case *ast.MappingNode:
		values = v.Values
	case *ast.MappingValueNode:
		values = []*ast.MappingValueNode{v}
	default:
		return nil, fileErr(rule, key, nodePos(n), ErrSyntax, "want a mapping of keys to values, found %s", kindName(n))
	}
	out := make([]entry, 0, len(values))
	seen := make(map[string]bool, len(values))
	for _, mv := range values {
		if mv == nil || mv.Key == nil {
			continue
		}
		if _, ok := mv.Key.(*ast.MergeKeyNode); ok {
			return nil, fileErr(rule, key, nodePos(mv.Key), ErrSyntax, "merge keys (<<) are not supported")
		}
		k, ok := mv.Key.(*ast.StringNode)
		if !ok {
			return nil, fileErr(rule, key, nodePos(mv.Key), ErrSyntax, "keys must be plain words, found %s", kindName(mv.Key))
		}
		if seen[k.Value] {
			return nil, fileErr(rule, k.Value, nodePos(k), ErrSyntax, "key %q appears twice", k.Value)
		}
		seen[k.Value] = true
		out = append(out, entry{key: k.Value, at: nodePos(k), val: mv.Value})
	}
	return out, nil
}

func sequence(n ast.Node, rule, key string) ([]ast.Node, *RuleError) {
	n, rerr := plain(n, rule, key)
	if rerr != nil {
		return nil, rerr
	}
	s, ok := n.(*ast.SequenceNode)
	if !ok {
		return nil, fileErr(rule, key, nodePos(n), ErrSyntax, "want a list, found %s", kindName(n))
	}
	return s.Values, nil
}

func kindName(n ast.Node) string {
	switch n.(type) {
	case nil:
		return "nothing"
	case *ast.MappingNode, *ast.MappingValueNode:
		return "a mapping"
	case *ast.SequenceNode:
		return "a list"
	case *ast.NullNode:
		return "null"
	case *ast.BoolNode:
		return "a boolean"
	case *ast.IntegerNode:
		return "an integer"
	case *ast.FloatNode, *ast.InfinityNode, *ast.NanNode:
		return "a number"
	case *ast.StringNode, *ast.LiteralNode:
		return "a string"
	}
	return "a " + strings.ToLower(n.Type().String())
}

// text is a scalar read as text, with what is needed to map a position inside it back to the file.
type text struct {
	s  string
	at pos // where the text starts
	// block is set for literal blocks (|): line n of the text is line at.line+n-1 of the file, and
	// columns are offset by indent.
	block  bool
	indent int
	// exact is set when columns inside a single-line text map one to one onto file columns.
	exact bool
}

// locate maps a 1-based line and 0-based column inside t to the file.
func (t text) locate(line, col int) pos {
	switch {
	case t.block:
		return pos{t.at.line + line - 1, t.indent + col + 1}
	case t.exact && line <= 1:
		return pos{t.at.line, t.at.col + col}
	}
	return t.at
}

// scalarText reads any scalar as text: strings, and numbers or booleans by their spelling.
func scalarText(n ast.Node, rule, key string) (text, *RuleError) {
	n, rerr := plain(n, rule, key)
	if rerr != nil {
		return text{}, rerr
	}
	switch v := n.(type) {
	case *ast.StringNode:
		t := text{s: v.Value, at: nodePos(v)}
		switch v.Token.Type {
		case token.DoubleQuoteType, token.SingleQuoteType:
			t.at.col++ // past the quote
			raw := strings.TrimSpace(v.Token.Origin)
			t.exact = !strings.Contains(v.Value, "\n") && len(raw) == len(v.Value)+2
		default:
			t.exact = !strings.Contains(strings.TrimSpace(v.Token.Origin), "\n")
		}
		return t, nil
	case *ast.LiteralNode:
		t := text{s: v.Value.Value, at: nodePos(v)}
		// The content starts on the line after the indicator, past any blank lines.
		t.at.line++
		origin := v.Value.Token.Origin
		for {
			nl := strings.IndexByte(origin, '\n')
			if nl < 0 || strings.TrimSpace(origin[:nl]) != "" {
				break
			}
			origin = origin[nl+1:]
			t.at.line++
		}
		t.indent = len(origin) - len(strings.TrimLeft(origin, " "))
		t.at.col = t.indent + 1
		t.block = v.Start != nil && strings.HasPrefix(v.Start.Value, "|")
		return t, nil
	case *ast.IntegerNode, *ast.FloatNode, *ast.BoolNode:
		return text{s: n.GetToken().Value, at: nodePos(n), exact: true}, nil
	case *ast.NullNode:
		return text{}, fileErr(rule, key, nodePos(n), ErrSyntax, "needs a value")
	}
	return text{}, fileErr(rule, key, nodePos(n), ErrSyntax, "want text, found %s", kindName(n))
}

func scalarString(n ast.Node, rule, key string) (string, *RuleError) {
	t, err := scalarText(n, rule, key)
	return t.s, err
}

func scalarInt(n ast.Node, rule, key string, lo, hi int64) (int, *RuleError) {
	n, rerr := plain(n, rule, key)
	if rerr != nil {
		return 0, rerr
	}
	v, ok := n.(*ast.IntegerNode)
	if !ok {
		return 0, fileErr(rule, key, nodePos(n), ErrSyntax, "want an integer, found %s", kindName(n))
	}
	var x int64
	switch i := v.Value.(type) {
	case int64:
		x = i
	case uint64:
		if i > math.MaxInt64 {
			x = math.MaxInt64
		} else {
			x = int64(i)
		}
	default:
		return 0, fileErr(rule, key, nodePos(n), ErrSyntax, "want an integer, found %v", v.Value)
	}
	if x < lo || x > hi {
		return 0, fileErr(rule, key, nodePos(n), ErrInvalidValue, "%d is out of range %d..%d", x, lo, hi)
	}
	return int(x), nil
}

func scalarBool(n ast.Node, rule, key string) (bool, *RuleError) {
	n, rerr := plain(n, rule, key)
	if rerr != nil {
		return false, rerr
	}
	v, ok := n.(*ast.BoolNode)
	if !ok {
		return false, fileErr(rule, key, nodePos(n), ErrSyntax, "want true or false, found %s", kindName(n))
	}
	return v.Value, nil
}

func stringList(n ast.Node, rule, key string) ([]string, *RuleError) {
	items, rerr := sequence(n, rule, key)
	if rerr != nil {
		return nil, rerr
	}
	out := make([]string, 0, len(items))
	for _, it := range items {
		s, rerr := scalarString(it, rule, key)
		if rerr != nil {
			return nil, rerr
		}
		out = append(out, s)
	}
	return out, nil
}
