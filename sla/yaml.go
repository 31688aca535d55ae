package sla

import (
	"errors"
	"fmt"
	"io"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/goccy/go-yaml"
	"github.com/goccy/go-yaml/ast"
	"github.com/goccy/go-yaml/parser"
)

// MaxFileSize bounds a policy file read by [Load] and [Parse].
const MaxFileSize = 1 << 20

// Limits on the size of a configuration, so that a hostile file (aliases repeat whole subtrees
// cheaply) cannot make compiling it slow.
const (
	MaxPolicies   = 256
	MaxTargets    = 32 // per policy
	MaxRules      = 32 // per target
	MaxConditions = 32 // per condition list
	MaxDates      = 4096
)

// The policy file mirrors Config with its leaf values (durations, intervals, dates, conditions) as
// text, so that a malformed value is reported at its line and column rather than by the decoder
// without a position.
type yConfig struct {
	Default   string               `yaml:"default"`
	Calendars map[string]yCalendar `yaml:"calendars"`
	Policies  []yPolicy            `yaml:"policies"`
}

type yCalendar struct {
	Zone        string              `yaml:"zone"`
	AlwaysOpen  bool                `yaml:"always_open"`
	Hours       map[string][]string `yaml:"hours"`
	Holidays    []string            `yaml:"holidays"`
	WorkingDays []yWorkingDay       `yaml:"working_days"`
}

type yWorkingDay struct {
	Date  string   `yaml:"date"`
	Hours []string `yaml:"hours"`
}

type yPolicy struct {
	Name         string    `yaml:"name"`
	Calendar     string    `yaml:"calendar"`
	ReopenMode   string    `yaml:"reopen_mode"`
	ServiceHours string    `yaml:"service_hours"`
	Levels       []Level   `yaml:"levels"`
	Targets      []yTarget `yaml:"targets"`
}

type yTarget struct {
	Name       string   `yaml:"name"`
	Within     string   `yaml:"within"`
	Rules      []yRule  `yaml:"rules"`
	Calendar   string   `yaml:"calendar"`
	Start      []string `yaml:"start"`
	Pause      []string `yaml:"pause"`
	Resume     []string `yaml:"resume"`
	Stop       []string `yaml:"stop"`
	Reset      []string `yaml:"reset"`
	Reopen     []string `yaml:"reopen"`
	ReopenMode string   `yaml:"reopen_mode"`
	Levels     []Level  `yaml:"levels"`
}

type yRule struct {
	When   Match  `yaml:"when"`
	Within string `yaml:"within"`
}

// Load reads a policy file from r (at most [MaxFileSize] bytes) and compiles it; see [Parse].
func Load(r io.Reader) (*Set, error) {
	data, err := io.ReadAll(io.LimitReader(r, MaxFileSize+1))
	if err != nil {
		return nil, fmt.Errorf("sla: reading policy file: %w", err)
	}
	return Parse(data)
}

// Parse compiles a policy file: YAML with the shape of [Config] (keys as in its yaml tags; durations
// such as "2h" or "1h30m"; intervals "09:00-12:00"; dates "2026-10-01"; conditions in the text form
// of [Condition]). Unknown keys are errors. It returns [ConfigErrors] listing every problem with its
// line and column: [ErrSyntax] for malformed YAML, and the errors of [Compile].
func Parse(data []byte) (*Set, error) {
	cfg, file, err := parseConfig(data)
	if err != nil {
		return nil, err
	}
	var ps problems
	ps.errs = cfg.errs
	set, err := Compile(cfg.Config)
	if err != nil {
		for _, e := range err.(ConfigErrors) {
			if !shadowed(e.Path, cfg.errs) {
				ps.errs = append(ps.errs, e)
			}
		}
	}
	if len(ps.errs) > 0 {
		for _, e := range ps.errs {
			e.Line, e.Column = locate(file, e.Path)
		}
		slices.SortStableFunc(ps.errs, func(a, b *ConfigError) int {
			if a.Line != b.Line {
				return a.Line - b.Line
			}
			return a.Column - b.Column
		})
		return nil, ps.err()
	}
	return set, nil
}

// shadowed reports whether a problem at path follows from a malformed value already reported at or
// below it (a value that failed to parse was left out, so compiling may complain about its absence).
func shadowed(path string, reported ConfigErrors) bool {
	for _, r := range reported {
		if r.Path == path || strings.HasPrefix(r.Path, path+".") || strings.HasPrefix(r.Path, path+"[") {
			return true
		}
	}
	return false
}

type parsedConfig struct {
	Config
	errs ConfigErrors
}

func parseConfig(data []byte) (pc parsedConfig, file *ast.File, err error) {
	syntax := func(line, col int, msg string) error {
		return ConfigErrors{{Err: ErrSyntax, Line: line, Column: col, Msg: msg}}
	}
	if len(data) > MaxFileSize {
		return pc, nil, syntax(0, 0, fmt.Sprintf("policy file is larger than %d bytes", MaxFileSize))
	}
	defer func() {
		// The YAML library is not ours; a panic on strange input must not take the server down.
		if r := recover(); r != nil {
			err = syntax(0, 0, fmt.Sprintf("cannot parse policy file: %v", r))
		}
	}()
	var y yConfig
	if err := yaml.UnmarshalWithOptions(data, &y, yaml.Strict()); err != nil {
		var ye yaml.Error
		if errors.As(err, &ye) && ye.GetToken() != nil {
			p := ye.GetToken().Position
			return pc, nil, syntax(p.Line, p.Column, ye.GetMessage())
		}
		return pc, nil, syntax(0, 0, err.Error())
	}
	file, err = parser.ParseBytes(data, 0)
	if err != nil {
		return pc, nil, syntax(0, 0, err.Error())
	}
	return y.convert(), file, nil
}

// pathKey quotes a map key for a path when it contains path punctuation.
func pathKey(k string) string {
	if strings.ContainsAny(k, ".[]'") {
		return "'" + strings.ReplaceAll(k, "'", "''") + "'"
	}
	return k
}

func (y *yConfig) convert() parsedConfig {
	var pc parsedConfig
	bad := func(e ConfigError) { pc.errs = append(pc.errs, &e) }
	limit := func(n, max int, path, what string) int {
		if n > max {
			bad(ConfigError{Path: path, Err: ErrSyntax, Msg: fmt.Sprintf("%d %s; at most %d allowed", n, what, max)})
			return max
		}
		return n
	}
	pc.Default = y.Default
	if len(y.Calendars) > 0 {
		pc.Calendars = map[string]CalendarSpec{}
	}
	for _, name := range slices.Sorted(mapKeys(y.Calendars)) {
		yc := y.Calendars[name]
		path := "calendars." + pathKey(name)
		spec := CalendarSpec{Zone: yc.Zone, AlwaysOpen: yc.AlwaysOpen}
		if len(yc.Hours) > 0 {
			spec.Hours = map[string][]Interval{}
		}
		for _, key := range slices.Sorted(mapKeys(yc.Hours)) {
			spec.Hours[key] = parseIntervals(yc.Hours[key], path+".hours."+pathKey(key), func(p, msg string) {
				bad(ConfigError{Calendar: name, Path: p, Err: ErrBadInterval, Msg: msg})
			})
		}
		for i, s := range yc.Holidays[:limit(len(yc.Holidays), MaxDates, path+".holidays", "holidays")] {
			d, err := ParseDate(s)
			if err != nil {
				bad(ConfigError{Calendar: name, Path: fmt.Sprintf("%s.holidays[%d]", path, i), Err: ErrBadDate, Msg: fmt.Sprintf("%q is not a date YYYY-MM-DD", s)})
				continue
			}
			spec.Holidays = append(spec.Holidays, d)
		}
		for i, w := range yc.WorkingDays[:limit(len(yc.WorkingDays), MaxDates, path+".working_days", "working days")] {
			wpath := fmt.Sprintf("%s.working_days[%d]", path, i)
			d, err := ParseDate(w.Date)
			if err != nil {
				bad(ConfigError{Calendar: name, Path: wpath + ".date", Err: ErrBadDate, Msg: fmt.Sprintf("%q is not a date YYYY-MM-DD", w.Date)})
				continue
			}
			hours := parseIntervals(w.Hours, wpath+".hours", func(p, msg string) {
				bad(ConfigError{Calendar: name, Path: p, Err: ErrBadInterval, Msg: msg})
			})
			spec.WorkingDays = append(spec.WorkingDays, WorkingDay{Date: d, Hours: hours})
		}
		pc.Calendars[name] = spec
	}

	for i, yp := range y.Policies[:limit(len(y.Policies), MaxPolicies, "policies", "policies")] {
		path := fmt.Sprintf("policies[%d]", i)
		p := PolicySpec{Name: yp.Name, Calendar: yp.Calendar, ReopenMode: ReopenMode(yp.ReopenMode), ServiceHours: yp.ServiceHours, Levels: yp.Levels}
		for j, yt := range yp.Targets[:limit(len(yp.Targets), MaxTargets, path+".targets", "targets")] {
			tpath := fmt.Sprintf("%s.targets[%d]", path, j)
			fail := func(sub string, kind error, msg string) {
				bad(ConfigError{Policy: yp.Name, Target: yt.Name, Path: tpath + sub, Err: kind, Msg: msg})
			}
			t := TargetSpec{Name: yt.Name, Calendar: yt.Calendar, ReopenMode: ReopenMode(yt.ReopenMode), Levels: yt.Levels}
			t.Within = parseDuration(yt.Within, func(msg string) { fail(".within", ErrBadDuration, msg) })
			for k, yr := range yt.Rules[:limit(len(yt.Rules), MaxRules, tpath+".rules", "rules")] {
				w := parseDuration(yr.Within, func(msg string) { fail(fmt.Sprintf(".rules[%d].within", k), ErrBadDuration, msg) })
				t.Rules = append(t.Rules, Rule{When: yr.When, Within: w})
			}
			for _, l := range []struct {
				key string
				in  []string
				out *[]Condition
			}{
				{"start", yt.Start, &t.Start}, {"pause", yt.Pause, &t.Pause}, {"resume", yt.Resume, &t.Resume},
				{"stop", yt.Stop, &t.Stop}, {"reset", yt.Reset, &t.Reset}, {"reopen", yt.Reopen, &t.Reopen},
			} {
				for k, s := range l.in[:limit(len(l.in), MaxConditions, tpath+"."+l.key, "conditions")] {
					c, err := ParseCondition(s)
					if err != nil {
						fail(fmt.Sprintf(".%s[%d]", l.key, k), ErrUnknownCondition, strings.TrimPrefix(err.Error(), ErrUnknownCondition.Error()+": "))
						continue
					}
					*l.out = append(*l.out, c)
				}
			}
			p.Targets = append(p.Targets, t)
		}
		pc.Policies = append(pc.Policies, p)
	}
	return pc
}

func mapKeys[V any](m map[string]V) func(func(string) bool) {
	return func(yield func(string) bool) {
		for k := range m {
			if !yield(k) {
				return
			}
		}
	}
}

func parseIntervals(ss []string, path string, bad func(path, msg string)) []Interval {
	var out []Interval
	for i, s := range ss {
		iv, err := ParseInterval(s)
		if err != nil {
			bad(fmt.Sprintf("%s[%d]", path, i), strings.TrimPrefix(err.Error(), ErrBadInterval.Error()+": "))
			continue
		}
		out = append(out, iv)
	}
	return out
}

// parseDuration reads "2h", "1h30m", "45m". Empty means unset (0).
func parseDuration(s string, bad func(msg string)) time.Duration {
	s = strings.TrimSpace(s)
	if s == "" {
		return 0
	}
	d, err := time.ParseDuration(s)
	if err != nil {
		bad(fmt.Sprintf("%q is not a duration such as 2h, 90m or 1h30m", s))
		return 0
	}
	return d
}

// locate finds the line and column of path (as written by Compile and convert) in the YAML document,
// or of the deepest part of it that exists.
func locate(file *ast.File, path string) (line, col int) {
	if file == nil || len(file.Docs) == 0 {
		return 0, 0
	}
	node := file.Docs[0].Body
	for _, seg := range splitPath(path) {
		node = unwrap(node)
		if node == nil {
			break
		}
		var next ast.Node
		if seg.key != nil {
			var pairs []*ast.MappingValueNode
			switch n := node.(type) {
			case *ast.MappingNode:
				pairs = n.Values
			case *ast.MappingValueNode:
				pairs = []*ast.MappingValueNode{n}
			}
			for _, mv := range pairs {
				if mv.Key != nil && mv.Key.GetToken() != nil && mv.Key.GetToken().Value == *seg.key {
					p := mv.Key.GetToken().Position
					line, col = p.Line, p.Column
					next = mv.Value
					break
				}
			}
		} else if sq, ok := node.(*ast.SequenceNode); ok && seg.index < len(sq.Values) {
			next = sq.Values[seg.index]
			if tk := next.GetToken(); tk != nil {
				line, col = tk.Position.Line, tk.Position.Column
			}
		}
		if next == nil {
			break
		}
		node = next
	}
	return line, col
}

func unwrap(n ast.Node) ast.Node {
	for {
		switch v := n.(type) {
		case *ast.AnchorNode:
			n = v.Value
		case *ast.TagNode:
			n = v.Value
		case *ast.DocumentNode:
			n = v.Body
		default:
			return n
		}
	}
}

type pathSeg struct {
	key   *string
	index int
}

// splitPath reads paths such as policies[0].targets[1].within and calendars.'a.b'.hours.
func splitPath(p string) []pathSeg {
	var segs []pathSeg
	for i := 0; i < len(p); {
		switch p[i] {
		case '.':
			i++
		case '[':
			j := strings.IndexByte(p[i:], ']')
			if j < 0 {
				return segs
			}
			n, err := strconv.Atoi(p[i+1 : i+j])
			if err != nil {
				return segs
			}
			segs = append(segs, pathSeg{index: n})
			i += j + 1
		case '\'':
			var b strings.Builder
			i++
			for i < len(p) {
				if p[i] == '\'' {
					if i+1 < len(p) && p[i+1] == '\'' {
						b.WriteByte('\'')
						i += 2
						continue
					}
					i++
					break
				}
				b.WriteByte(p[i])
				i++
			}
			k := b.String()
			segs = append(segs, pathSeg{key: &k})
		default:
			j := strings.IndexAny(p[i:], ".[")
			if j < 0 {
				j = len(p) - i
			}
			k := p[i : i+j]
			segs = append(segs, pathSeg{key: &k})
			i += j
		}
	}
	return segs
}
