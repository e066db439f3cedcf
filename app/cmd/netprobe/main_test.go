package main

import (
	"bytes"
	"encoding/json"
	"net"
	"net/http"
	"net/http/httptest"
	"testing"
)

func probe(t *testing.T, args ...string) (int, outcome) {
	t.Helper()
	var out, errs bytes.Buffer
	code := run(args, &out, &errs)
	var o outcome
	if code != 2 {
		if err := json.Unmarshal(out.Bytes(), &o); err != nil {
			t.Fatalf("not one JSON line: %q (%v)", out.String(), err)
		}
	}
	return code, o
}

func TestConnectSucceedsOnAListenerAndFailsOnAClosedPort(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	go func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			c.Close()
		}
	}()
	if code, o := probe(t, "connect", addr); code != 0 || !o.OK || o.Check != "connect" {
		t.Fatalf("connect to a listener: code %d, %+v", code, o)
	}
	ln.Close()
	if code, o := probe(t, "-timeout", "1s", "connect", addr); code != 1 || o.OK || o.Error == "" {
		t.Fatalf("connect to a closed port: code %d, %+v", code, o)
	}
}

func TestGetNeedsA2xx(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == "/ok" {
			_, _ = w.Write([]byte("fine"))
			return
		}
		http.Error(w, "nope", http.StatusForbidden)
	}))
	defer srv.Close()
	if code, o := probe(t, "get", srv.URL+"/ok"); code != 0 || o.Detail != "fine" {
		t.Fatalf("2xx: code %d, %+v", code, o)
	}
	if code, o := probe(t, "get", srv.URL+"/no"); code != 1 || o.Error != "HTTP 403: nope" {
		t.Fatalf("403: code %d, %+v", code, o)
	}
}

func TestResolveLocalhost(t *testing.T) {
	if code, o := probe(t, "resolve", "localhost"); code != 0 || o.Detail == "" {
		t.Fatalf("localhost: code %d, %+v", code, o)
	}
}

func TestAfterWaitsBeforeTheCheck(t *testing.T) {
	code, o := probe(t, "-after", "200ms", "resolve", "localhost")
	if code != 0 || o.Millis >= 200 {
		t.Fatalf("the wait is not part of the check's time: code %d, %+v", code, o)
	}
}

func TestBadUsageExits2(t *testing.T) {
	for _, args := range [][]string{{}, {"connect"}, {"ping", "x"}, {"-timeout", "x", "get", "u"}} {
		if code, _ := probe(t, args...); code != 2 {
			t.Errorf("%v: code %d, want 2", args, code)
		}
	}
}
