// Command cerberus-e2e runs the clients' shared end-to-end scenario (clients/README.md "The e2e
// scenario") with the Go client against a running server: cerberus-e2e HOST:PORT. Environment:
// see clients/README.md. Exits 1 if any check fails.
package main

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	"cerberus.dev/client"
)

const corrupt = "this is not an image"

func env(name, def string) string {
	if v := os.Getenv(name); v != "" {
		return v
	}
	return def
}

// scenario is the shared state of the checks.
type scenario struct {
	target, model, knownLabel, textModel, headsModel, token, ca, cli, knownPath, unseenPath string
	known, unseen                                                                           []byte
	streamItems                                                                             int
	streamDeadline                                                                          time.Duration
	c                                                                                       *client.Client
}

func expect(cond bool, format string, args ...interface{}) error {
	if !cond {
		return fmt.Errorf(format, args...)
	}
	return nil
}

// expectError checks err is a *client.Error with code whose message contains every needle.
func expectError(err error, code string, needles ...string) error {
	var e *client.Error
	if !errors.As(err, &e) {
		return fmt.Errorf("got %v, expected a *client.Error %s", err, code)
	}
	if e.Code != code {
		return fmt.Errorf("code %s (%s), expected %s", e.Code, e.Message, code)
	}
	for _, n := range needles {
		if !strings.Contains(e.Message, n) {
			return fmt.Errorf("message does not name %q: %s", n, e.Message)
		}
	}
	return nil
}

func (s *scenario) connOpts(withToken bool) []client.Option {
	var opts []client.Option
	if s.ca != "" {
		opts = append(opts, client.WithTLS(client.TLS{CAFile: s.ca}))
	}
	if withToken && s.token != "" {
		opts = append(opts, client.WithToken(s.token))
	}
	return opts
}

func ctx(d time.Duration) (context.Context, context.CancelFunc) {
	return context.WithTimeout(context.Background(), d)
}

func main() {
	if len(os.Args) != 2 {
		fmt.Fprintln(os.Stderr, "usage: cerberus-e2e HOST:PORT")
		os.Exit(64)
	}
	exe, _ := os.Executable()
	here := filepath.Dir(filepath.Dir(exe)) // clients/go
	repo := filepath.Join(here, "..", "..")
	s := &scenario{
		target: os.Args[1], model: env("CERBERUS_E2E_MODEL", "fashion"),
		knownPath:  filepath.Join(repo, env("CERBERUS_E2E_KNOWN", "examples/images/fashion/bag/00018.png")),
		unseenPath: filepath.Join(repo, env("CERBERUS_E2E_UNSEEN", "examples/images/fashion/pullover/00001.png")),
		knownLabel: env("CERBERUS_E2E_KNOWN_LABEL", "bag"),
		textModel:  os.Getenv("CERBERUS_E2E_TEXT_MODEL"), headsModel: os.Getenv("CERBERUS_E2E_HEADS_MODEL"),
		token: os.Getenv("CERBERUS_E2E_TOKEN"), ca: os.Getenv("CERBERUS_E2E_CA"),
		cli: env("CERBERUS_E2E_GO_CLI", filepath.Join(here, "bin", "cerberus-classify")),
	}
	s.streamItems, _ = strconv.Atoi(env("CERBERUS_E2E_STREAM_ITEMS", "10000"))
	secs, _ := strconv.Atoi(env("CERBERUS_E2E_STREAM_DEADLINE", "600"))
	s.streamDeadline = time.Duration(secs) * time.Second
	var err error
	if s.known, err = os.ReadFile(s.knownPath); err == nil {
		s.unseen, err = os.ReadFile(s.unseenPath)
	}
	if err != nil {
		fmt.Fprintln(os.Stderr, "error:", err)
		os.Exit(2)
	}
	if s.c, err = client.Connect(s.target, s.connOpts(true)...); err != nil {
		fmt.Fprintln(os.Stderr, "error:", err)
		os.Exit(2)
	}
	defer s.c.Close()

	failed, checks := 0, s.checks()
	for _, ch := range checks {
		if err := ch.fn(); err != nil {
			failed++
			fmt.Printf("FAIL %s: %v\n", ch.name, err)
		} else {
			fmt.Printf("ok   %s\n", ch.name)
		}
	}
	note := ""
	if s.token == "" {
		note = " (no token set: token check skipped)"
	}
	fmt.Printf("go e2e: %d passed, %d failed%s\n", len(checks)-failed, failed, note)
	if failed > 0 {
		os.Exit(1)
	}
}
