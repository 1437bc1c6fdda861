package main

import (
	"bytes"
	"encoding/json"
	"fmt"
	"math"
	"os"
	"os/exec"
	"sort"
	"strings"
	"time"

	"cerberus.dev/client"
	"cerberus.dev/client/pb/inference"
)

type check struct {
	name string
	fn   func() error
}

func (s *scenario) checks() []check {
	out := []check{
		{"health", s.health}, {"list models", s.models}, {"known image and unseen image", s.knownAndUnseen},
		{"bad item beside good ones", s.badItem},
	}
	if s.headsModel != "" {
		out = append(out, check{"per-head fields", s.perHead})
	}
	if s.textModel != "" {
		out = append(out, check{"text", s.text})
	}
	out = append(out, check{fmt.Sprintf("stream of %d items with a deadline", s.streamItems), s.stream},
		check{"expired deadline -> DEADLINE_EXCEEDED", s.deadline}, check{"unknown model -> NOT_FOUND", s.notFound},
		check{"OIP v2 ModelInfer and ModelStreamInfer", s.oip}, check{"CLI: JSONL and a one-line error", s.cliCheck})
	if s.token != "" {
		out = append(out, check{"token required, health open", s.tokenCheck})
	}
	return out
}

func (s *scenario) health() error {
	c, cancel := ctx(time.Minute)
	defer cancel()
	st, err := s.c.Health(c, "")
	if err != nil {
		return err
	}
	return expect(st == "SERVING", "status %s", st)
}

func (s *scenario) models() error {
	c, cancel := ctx(time.Minute)
	defer cancel()
	ms, err := s.c.ListModels(c)
	if err != nil {
		return err
	}
	names := map[string]bool{}
	for _, m := range ms {
		names[m.Name] = true
	}
	for _, m := range []string{s.model, s.textModel, s.headsModel} {
		if m != "" && !names[m] {
			return fmt.Errorf("%s not among %v", m, names)
		}
	}
	return nil
}

func str(p *string) string {
	if p == nil {
		return ""
	}
	return *p
}

func (s *scenario) knownAndUnseen() error {
	c, cancel := ctx(2 * time.Minute)
	defer cancel()
	res, err := s.c.ClassifyImages(c, s.model, [][]byte{s.known, s.unseen})
	if err != nil {
		return err
	}
	k, u := res[0], res[1]
	if err := expect(str(k.Decision) == s.knownLabel && !*k.Unknown && str(k.Reason) == "class", "known: %+v", k); err != nil {
		return err
	}
	for name, h := range k.Heads {
		sum := float32(0)
		for _, p := range h.Probabilities {
			sum += p
		}
		if math.Abs(float64(sum-1)) > 1e-3 {
			return fmt.Errorf("head %s probabilities sum to %v", name, sum)
		}
	}
	r := str(u.Reason)
	return expect(*u.Unknown && str(u.Decision) == "unknown" && (r == "threshold" || r == "gate"), "unseen: %+v", u)
}

func (s *scenario) badItem() error {
	c, cancel := ctx(2 * time.Minute)
	defer cancel()
	res, err := s.c.Classify(c, s.model, []client.Item{{ID: "a", Image: s.known}, {ID: "bad", Image: []byte(corrupt)},
		{ID: "b", Image: s.unseen}})
	if err != nil {
		return err
	}
	ids := []string{res[0].ID, res[1].ID, res[2].ID}
	if err := expect(strings.Join(ids, ",") == "a,bad,b", "order %v", ids); err != nil {
		return err
	}
	if err := expect(res[0].Decision != nil && res[2].Decision != nil, "good items: %+v", res); err != nil {
		return err
	}
	return expect(res[1].Error != nil && res[1].Error.Code == "INVALID_ARGUMENT", "corrupt item: %+v", res[1])
}

func (s *scenario) perHead() error {
	c, cancel := ctx(time.Minute)
	defer cancel()
	vecs := [][]float32{{4, 0}, {0, 4}, {0, 0}}
	items := make([]client.Item, len(vecs))
	for i, v := range vecs {
		items[i] = client.TensorItem(fmt.Sprint(i), []int64{2}, v)
	}
	res, err := s.c.Classify(c, s.headsModel, items)
	if err != nil {
		return err
	}
	want := []string{"color", "size", ""}
	for i, r := range res {
		if got := strings.Join(r.AcceptedHeads, ","); got != want[i] {
			return fmt.Errorf("item %d accepted by %q, expected %q", i, got, want[i])
		}
		for name, h := range r.Heads {
			if h.Unknown == nil || *h.Unknown != (*h.OODScore > *h.Threshold) {
				return fmt.Errorf("%s: no or inconsistent own verdict %+v", name, h)
			}
			wantReason := map[bool]string{true: "threshold", false: "class"}[*h.Unknown]
			if h.Reason != wantReason {
				return fmt.Errorf("%s reason %q, expected %q", name, h.Reason, wantReason)
			}
		}
	}
	if err := expect(*res[2].Unknown && str(res[2].Reason) == "threshold", "none of these: %+v", res[2]); err != nil {
		return err
	}
	return expect(!*res[0].Unknown && !*res[1].Unknown, "accepted items unknown: %+v", res[:2])
}

func (s *scenario) text() error {
	c, cancel := ctx(time.Minute)
	defer cancel()
	res, err := s.c.ClassifyTexts(c, s.textModel, []string{"the cat", "a bus"})
	if err != nil {
		return err
	}
	return expect(len(res) == 2 && res[0].Decision != nil && res[1].Decision != nil && len(res[0].Heads) > 0, "%+v", res)
}

func (s *scenario) stream() error {
	c, cancel := ctx(s.streamDeadline)
	defer cancel()
	items := make(chan client.Item, 256)
	go func() {
		defer close(items)
		for i := 0; i < s.streamItems; i++ {
			img := [][]byte{s.known, s.unseen}[i%2]
			if i%1000 == 500 {
				img = []byte(corrupt)
			}
			select {
			case items <- client.Item{ID: fmt.Sprintf("s%d", i), Image: img}:
			case <-c.Done():
				return
			}
		}
	}()
	seen, errs := map[string]bool{}, 0
	err := s.c.ClassifyStream(c, s.model, items, client.StreamOptions{Chunk: 100}, func(r client.Result) error {
		if seen[r.ID] {
			return fmt.Errorf("duplicate result %s", r.ID)
		}
		seen[r.ID] = true
		if r.Error != nil {
			errs++
			if r.Error.Code != "INVALID_ARGUMENT" {
				return fmt.Errorf("unexpected error %+v", r.Error)
			}
		}
		return nil
	})
	if err != nil {
		return err
	}
	if err := expect(len(seen) == s.streamItems, "%d results for %d items", len(seen), s.streamItems); err != nil {
		return err
	}
	return expect(errs == (s.streamItems+499)/1000, "%d item errors", errs)
}

func (s *scenario) deadline() error {
	c, cancel := ctx(time.Millisecond)
	defer cancel()
	_, err := s.c.ClassifyImages(c, s.model, [][]byte{s.known, s.known, s.known, s.known})
	return expectError(err, "DEADLINE_EXCEEDED")
}

func (s *scenario) notFound() error {
	c, cancel := ctx(time.Minute)
	defer cancel()
	_, err := s.c.ClassifyImages(c, "no-such-model", [][]byte{s.known})
	return expectError(err, "NOT_FOUND", "no-such-model")
}

func (s *scenario) oip() error {
	c, cancel := ctx(2 * time.Minute)
	defer cancel()
	ref, err := s.c.ClassifyImages(c, s.model, [][]byte{s.known, s.unseen})
	if err != nil {
		return err
	}
	out, err := s.c.OIPInfer(c, client.ImageRequest(s.model, [][]byte{s.known, s.unseen}))
	if err != nil {
		return err
	}
	got, err := out.Decisions()
	if err != nil {
		return err
	}
	for i, d := range got {
		if d.Decision != str(ref[i].Decision) || d.Unknown != *ref[i].Unknown || d.Reason != str(ref[i].Reason) {
			return fmt.Errorf("item %d: OIP %+v vs Classify %+v", i, d, ref[i])
		}
	}
	_, err = s.c.OIPInfer(c, client.ImageRequest(s.model, [][]byte{s.known, []byte(corrupt)}))
	if err := expectError(err, "INVALID_ARGUMENT", "item 1"); err != nil {
		return err
	}
	good, bad := client.ImageRequest(s.model, [][]byte{s.known}), client.ImageRequest(s.model, [][]byte{[]byte(corrupt)})
	good.Id, bad.Id = "good", "bad"
	answers := map[string]error{}
	var goodDecision string
	err = s.c.OIPStreamInfer(c, []*inference.ModelInferRequest{good, bad}, func(id string, out client.Outputs, err error) {
		answers[id] = err
		if err == nil {
			if d, derr := out.Decisions(); derr == nil {
				goodDecision = d[0].Decision
			}
		}
	})
	if err != nil {
		return err
	}
	if err := expect(answers["good"] == nil && goodDecision == s.knownLabel, "stream good: %v %q", answers["good"], goodDecision); err != nil {
		return err
	}
	return expectError(answers["bad"], "INVALID_ARGUMENT")
}

func (s *scenario) cliCheck() error {
	args := []string{"-target", s.target}
	if s.ca != "" {
		args = append(args, "-tls-ca", s.ca)
	}
	run := func(more ...string) (string, string, int) {
		cmd := exec.Command(s.cli, append(append([]string{}, args...), more...)...)
		cmd.Env = append(os.Environ(), "CERBERUS_TOKEN="+s.token)
		var out, errb bytes.Buffer
		cmd.Stdout, cmd.Stderr = &out, &errb
		_ = cmd.Run()
		return out.String(), errb.String(), cmd.ProcessState.ExitCode()
	}
	stdout, stderr, code := run("-model", s.model, s.knownPath, s.unseenPath)
	if code != 0 {
		return fmt.Errorf("exit %d: %s", code, stderr)
	}
	var ids []string
	for _, line := range strings.Split(strings.TrimSpace(stdout), "\n") {
		var m map[string]interface{}
		if err := json.Unmarshal([]byte(line), &m); err != nil {
			return fmt.Errorf("not JSON: %q", line)
		}
		for _, k := range []string{"decision", "unknown", "ood_score", "reason", "heads"} {
			if _, ok := m[k]; !ok {
				return fmt.Errorf("no %s in %s", k, line)
			}
		}
		ids = append(ids, m["id"].(string))
	}
	sort.Strings(ids)
	want := []string{s.knownPath, s.unseenPath}
	sort.Strings(want)
	if strings.Join(ids, ",") != strings.Join(want, ",") {
		return fmt.Errorf("ids %v", ids)
	}
	_, stderr, code = run("-model", "no-such-model", s.knownPath)
	if err := expect(code == 2 && strings.HasPrefix(stderr, "error: NOT_FOUND: "), "exit %d, stderr %q", code, stderr); err != nil {
		return err
	}
	return expect(strings.Count(strings.TrimSpace(stderr), "\n") == 0, "stderr %q", stderr)
}

func (s *scenario) tokenCheck() error {
	c, cancel := ctx(time.Minute)
	defer cancel()
	for _, tok := range []string{"", "wrong"} {
		opts := s.connOpts(false)
		if tok != "" {
			opts = append(opts, client.WithToken(tok))
		}
		other, err := client.Connect(s.target, opts...)
		if err != nil {
			return err
		}
		st, herr := other.Health(c, "")
		_, cerr := other.ClassifyImages(c, s.model, [][]byte{s.known})
		other.Close()
		if err := expect(herr == nil && st == "SERVING", "health without a valid token: %v %s", herr, st); err != nil {
			return err
		}
		if err := expectError(cerr, "UNAUTHENTICATED"); err != nil {
			return fmt.Errorf("token %q: %v", tok, err)
		}
	}
	return nil
}
