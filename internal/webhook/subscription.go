package webhook

import (
	"errors"
	"fmt"
	"net/url"
	"os"
	"strings"

	"github.com/goccy/go-yaml"
)

// ErrConfig is matched by every error about a subscription file or a subscription.
var ErrConfig = errors.New("webhook: invalid subscriptions")

// MinSecretLen is the shortest secret accepted: shorter secrets are guessable offline from one signed
// delivery.
const MinSecretLen = 16

// Subscription sends the events of one tenant whose topic matches Topics to URL.
type Subscription struct {
	// Name identifies the subscription in delivery IDs, logs and metrics: 1–64 of [a-z0-9_-].
	Name string `yaml:"name" json:"name"`
	// Tenant whose events are sent. Every subscription belongs to exactly one tenant.
	Tenant string `yaml:"tenant" json:"tenant"`
	// Topics are exact topics ("complaint.received"), prefixes ending in ".*" ("complaint.*"), or "*".
	Topics []string `yaml:"topics" json:"topics"`
	// URL receives the POSTs; http or https.
	URL string `yaml:"url" json:"url"`
	// Secret keys the signature. Set Secret or SecretEnv (the name of an environment variable holding
	// it), not both; the file then need not hold the secret.
	Secret    string `yaml:"secret" json:"secret,omitempty"`
	SecretEnv string `yaml:"secret_env" json:"secret_env,omitempty"`
}

// Matches reports whether the subscription wants a message of tenant with topic.
func (s *Subscription) Matches(tenant, topic string) bool {
	if tenant != s.Tenant {
		return false
	}
	for _, t := range s.Topics {
		switch {
		case t == "*" || t == topic:
			return true
		case strings.HasSuffix(t, ".*") && strings.HasPrefix(topic, t[:len(t)-1]):
			return true
		}
	}
	return false
}

// validTopicPattern accepts "*", a topic without '*', or a prefix ending in ".*"; never the relay's own
// delivery topics.
func validTopicPattern(t string) bool {
	switch {
	case t == "*":
		return true
	case t == "" || strings.HasPrefix(t, reservedPrefix):
		return false
	case strings.HasSuffix(t, ".*"):
		return len(t) > 2 && !strings.Contains(t[:len(t)-2], "*")
	}
	return !strings.Contains(t, "*")
}

func validName(s string) bool {
	if s == "" || len(s) > 64 {
		return false
	}
	for _, r := range s {
		if !(r >= 'a' && r <= 'z' || r >= '0' && r <= '9' || r == '_' || r == '-') {
			return false
		}
	}
	return true
}

// check validates s, resolving SecretEnv through getenv; the error names the subscription.
func (s *Subscription) check(getenv func(string) string) error {
	var probs []string
	if !validName(s.Name) {
		probs = append(probs, fmt.Sprintf("name %q must be 1–64 characters of a-z, 0-9, _ and -", s.Name))
	}
	if strings.TrimSpace(s.Tenant) == "" {
		probs = append(probs, "tenant is empty")
	}
	if len(s.Topics) == 0 {
		probs = append(probs, `topics is empty (use "*" for every topic)`)
	}
	for _, t := range s.Topics {
		if !validTopicPattern(t) {
			probs = append(probs, fmt.Sprintf("topic %q is not a topic, a prefix ending in .* or *", t))
		}
	}
	if u, err := url.Parse(s.URL); err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		probs = append(probs, fmt.Sprintf("url %q is not an http(s) URL", s.URL))
	}
	switch {
	case s.Secret != "" && s.SecretEnv != "":
		probs = append(probs, "set secret or secret_env, not both")
	case s.SecretEnv != "":
		s.Secret = getenv(s.SecretEnv)
		if s.Secret == "" {
			probs = append(probs, fmt.Sprintf("environment variable %s (secret_env) is empty or unset", s.SecretEnv))
		} else if len(s.Secret) < MinSecretLen {
			probs = append(probs, fmt.Sprintf("the secret in %s has %d characters, at least %d needed", s.SecretEnv, len(s.Secret), MinSecretLen))
		}
		s.SecretEnv = "" // resolved: checking the result again finds the secret in place
	case len(s.Secret) < MinSecretLen:
		probs = append(probs, fmt.Sprintf("the secret has %d characters, at least %d needed", len(s.Secret), MinSecretLen))
	}
	if len(probs) > 0 {
		return fmt.Errorf("%w: subscription %q: %s", ErrConfig, s.Name, strings.Join(probs, "; "))
	}
	return nil
}

// CheckSubscriptions validates subs as [New] does: every subscription well formed, names unique. It
// returns an error matching [ErrConfig] that names each bad subscription. Secrets from SecretEnv are
// resolved through getenv (os.Getenv when nil): the returned copy holds them in Secret, with SecretEnv
// cleared, so checking it again succeeds.
func CheckSubscriptions(subs []Subscription, getenv func(string) string) ([]Subscription, error) {
	if getenv == nil {
		getenv = os.Getenv
	}
	out := make([]Subscription, len(subs))
	copy(out, subs)
	var errs []error
	seen := map[string]bool{}
	for i := range out {
		if err := out[i].check(getenv); err != nil {
			errs = append(errs, err)
		}
		if seen[out[i].Name] {
			errs = append(errs, fmt.Errorf("%w: subscription name %q is used twice", ErrConfig, out[i].Name))
		}
		seen[out[i].Name] = true
	}
	if len(errs) > 0 {
		return nil, errors.Join(errs...)
	}
	return out, nil
}

type subscriptionFile struct {
	Subscriptions []Subscription `yaml:"subscriptions"`
}

// ParseSubscriptions reads subscriptions from YAML or JSON (a top-level "subscriptions" list; unknown
// keys are refused) and validates them with [CheckSubscriptions]. Errors match [ErrConfig]; YAML errors
// carry the line and column.
func ParseSubscriptions(data []byte, getenv func(string) string) ([]Subscription, error) {
	var f subscriptionFile
	if err := yaml.UnmarshalWithOptions(data, &f, yaml.Strict()); err != nil {
		return nil, fmt.Errorf("%w: %v", ErrConfig, err)
	}
	return CheckSubscriptions(f.Subscriptions, getenv)
}

// LoadSubscriptions reads and validates the subscription file at path (see [ParseSubscriptions]).
func LoadSubscriptions(path string) ([]Subscription, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("webhook: %w", err)
	}
	subs, err := ParseSubscriptions(data, os.Getenv)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	return subs, nil
}
