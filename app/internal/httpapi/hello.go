package httpapi

import (
	"errors"
	"net/http"
	"unicode"
	"unicode/utf8"
)

// MaxNameLength bounds ?name= so that the greeting cannot be used to echo
// large payloads.
const MaxNameLength = 64

type helloHandler struct{}

type helloResponse struct {
	Message string `json:"message"`
}

// worldBody is the answer without a name, encoded once.
var worldBody = encodeJSON(helloResponse{Message: "hello, world"})

// ServeHTTP answers GET /api/v1/hello?name=: {"message": "hello, <name>"}.
func (helloHandler) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	v := ""
	if r.URL.RawQuery != "" {
		v = r.URL.Query().Get("name")
	}
	if v == "" {
		writeBody(w, http.StatusOK, worldBody)
		return
	}
	name, err := ParseName(v)
	if err != nil {
		writeError(w, http.StatusBadRequest, err.Error())
		return
	}
	writeJSON(w, http.StatusOK, helloResponse{Message: "hello, " + name})
}

// ParseName validates the name to greet; empty means "world".
func ParseName(v string) (string, error) {
	if v == "" {
		return "world", nil
	}
	if !utf8.ValidString(v) {
		return "", errors.New("name: must be valid UTF-8")
	}
	if utf8.RuneCountInString(v) > MaxNameLength {
		return "", errors.New("name: at most 64 characters")
	}
	for _, r := range v {
		if !unicode.IsPrint(r) {
			return "", errors.New("name: only printable characters")
		}
	}
	return v, nil
}
