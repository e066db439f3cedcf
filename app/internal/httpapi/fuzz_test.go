package httpapi

import (
	"net/url"
	"testing"
	"time"
	"unicode/utf8"
)

// FuzzParseWorkParams: whatever the query, parsing never panics and what it
// accepts stays inside the documented bounds.
func FuzzParseWorkParams(f *testing.F) {
	for _, q := range []string{
		"duration=250ms&failure_rate=0.1", "duration=10s", "duration=10.000000001s",
		"failure_rate=1", "failure_rate=1e-9", "failure_rate=NaN", "failure_rate=+Inf",
		"duration=-0s", "duration=9223372036854775807ns", "duration=1h&duration=1ms",
		"failure_rate=0x1p-2", "%zz", "",
	} {
		f.Add(q)
	}
	max := 10 * time.Second
	f.Fuzz(func(t *testing.T, raw string) {
		q, err := url.ParseQuery(raw)
		if err != nil {
			return
		}
		p, err := ParseWorkParams(q, max)
		if err != nil {
			return
		}
		if p.Duration < 0 || p.Duration > max {
			t.Fatalf("accepted duration %v from %q", p.Duration, raw)
		}
		if !(p.FailureRate >= 0 && p.FailureRate <= 1) {
			t.Fatalf("accepted failure rate %v from %q", p.FailureRate, raw)
		}
	})
}

// FuzzParseName: accepted names are short, valid, printable UTF-8.
func FuzzParseName(f *testing.F) {
	for _, s := range []string{"", "Ada", "Zoë 🚀", "\x00", "\xff", "a\u200bb", "\t"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		name, err := ParseName(s)
		if err != nil {
			return
		}
		if !utf8.ValidString(name) || utf8.RuneCountInString(name) > MaxNameLength || name == "" {
			t.Fatalf("accepted %q as %q", s, name)
		}
	})
}
