package config

import (
	"fmt"
	"log/slog"
	"net"
	"strconv"
	"strings"
	"time"
)

// reader collects one VarError per bad variable; unset or empty variables
// keep the default already in the target.
type reader struct {
	getenv func(string) string
	errs   []error
	bad    map[string]bool
}

func (r *reader) fail(name, value, reason string) {
	if r.bad == nil {
		r.bad = map[string]bool{}
	}
	r.bad[name] = true
	r.errs = append(r.errs, &VarError{Name: name, Value: value, Reason: reason})
}

func (r *reader) failed(name string) bool { return r.bad[name] }

func (r *reader) lookup(name string) (string, bool) {
	v := strings.TrimSpace(r.getenv(name))
	return v, v != ""
}

func (r *reader) addr(name string, dst *string) {
	v, ok := r.lookup(name)
	if !ok {
		return
	}
	if err := ValidateAddr(v); err != nil {
		r.fail(name, v, err.Error())
		return
	}
	*dst = v
}

// ValidateAddr accepts "host:port" or ":port" with a numeric port.
func ValidateAddr(v string) error {
	_, port, err := net.SplitHostPort(v)
	if err != nil {
		return fmt.Errorf("want host:port or :port (%v)", err)
	}
	if _, err := strconv.ParseUint(port, 10, 16); err != nil {
		return fmt.Errorf("port %q is not a number from 0 to 65535", port)
	}
	return nil
}

func (r *reader) level(name string, dst *slog.Level) {
	v, ok := r.lookup(name)
	if !ok {
		return
	}
	switch strings.ToLower(v) {
	case "debug":
		*dst = slog.LevelDebug
	case "info":
		*dst = slog.LevelInfo
	case "warn", "warning":
		*dst = slog.LevelWarn
	case "error":
		*dst = slog.LevelError
	default:
		r.fail(name, v, "want one of debug, info, warn, error")
	}
}

func (r *reader) duration(name string, dst *time.Duration, allowZero bool) {
	v, ok := r.lookup(name)
	if !ok {
		return
	}
	d, err := time.ParseDuration(v)
	switch {
	case err != nil:
		r.fail(name, v, `want a Go duration such as "500ms" or "5s"`)
	case d < 0 || (d == 0 && !allowZero):
		if allowZero {
			r.fail(name, v, "must not be negative")
		} else {
			r.fail(name, v, "must be greater than zero")
		}
	default:
		*dst = d
	}
}

func (r *reader) positiveDuration(name string, dst *time.Duration) { r.duration(name, dst, false) }

func (r *reader) nonNegativeDuration(name string, dst *time.Duration) { r.duration(name, dst, true) }

func (r *reader) boolean(name string, dst *bool) {
	v, ok := r.lookup(name)
	if !ok {
		return
	}
	b, err := strconv.ParseBool(v)
	if err != nil {
		r.fail(name, v, "want true or false")
		return
	}
	*dst = b
}

func (r *reader) intRange(name string, dst *int, lo, hi int) {
	v, ok := r.lookup(name)
	if !ok {
		return
	}
	n, err := strconv.Atoi(v)
	if err != nil || n < lo || n > hi {
		r.fail(name, v, fmt.Sprintf("want an integer from %d to %d", lo, hi))
		return
	}
	*dst = n
}

// gcPercent reads GOGC as the runtime does, except that values the runtime
// would take but that make no sense for a server are refused: 0 (a
// collection after every allocation) and negative numbers (say "off").
func (r *reader) gcPercent(name string, dst *int) {
	v, ok := r.lookup(name)
	if !ok {
		return
	}
	if strings.EqualFold(v, "off") {
		*dst = -1
		return
	}
	n, err := strconv.Atoi(v)
	if err != nil || n < 1 {
		r.fail(name, v, "want off or a positive integer (the heap growth, in percent, that starts a collection)")
		return
	}
	*dst = n
}
