// Command cerberus-e2e checks the Go client against a running server: cerberus-e2e HOST:PORT.
// Exits 1 if any check fails.
package main

import (
	"bufio"
	"bytes"
	"encoding/json"
	"fmt"
	"math"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strconv"
	"strings"

	"cerberus/client"
)

const corruptImage = "this is not an image"

func env(name, def string) string {
	if v := os.Getenv(name); v != "" {
		return v
	}
	return def
}

func main() {
	if len(os.Args) != 2 {
		fmt.Fprintln(os.Stderr, "usage: cerberus-e2e HOST:PORT")
		os.Exit(64)
	}
	target := os.Args[1]
	exe, _ := os.Executable()
	here := filepath.Dir(filepath.Dir(exe)) // clients/go
	model := env("CERBERUS_E2E_MODEL", "fashion")
	imagesDir := env("CERBERUS_E2E_IMAGES", filepath.Join(here, "..", "..", "examples", "images", "fashion"))
	streamItems, _ := strconv.Atoi(env("CERBERUS_E2E_STREAM_ITEMS", "10000"))
	cli := filepath.Join(here, "bin", "cerberus-classify")

	var paths []string
	filepath.Walk(imagesDir, func(p string, info os.FileInfo, err error) error {
		if err == nil && !info.IsDir() && strings.HasSuffix(p, ".png") {
			paths = append(paths, p)
		}
		return nil
	})
	sort.Strings(paths)
	if len(paths) < 3 {
		fmt.Fprintf(os.Stderr, "not enough sample images under %s\n", imagesDir)
		os.Exit(2)
	}
	images := make([][]byte, len(paths))
	for i, p := range paths {
		images[i], _ = os.ReadFile(p)
	}
	c, err := client.Dial(target)
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(2)
	}
	defer c.Close()
	c.Timeout *= 2

	checks := []struct {
		name string
		fn   func() error
	}{
		{"health", func() error {
			s, err := c.Health("")
			if err != nil {
				return err
			}
			return expect(s == "SERVING", "status %s", s)
		}},
		{"unary classify with a corrupt item", func() error {
			items := []client.Item{{ID: "u0", Image: images[0]}, {ID: "bad", Image: []byte(corruptImage)},
				{ID: "u1", Image: images[1]}, {ID: "u2", Image: images[2]}}
			res, err := c.Classify(model, "", nil, items)
			if err != nil {
				return err
			}
			ids := []string{}
			for _, r := range res {
				ids = append(ids, r.ID)
			}
			if err := expect(strings.Join(ids, ",") == "u0,bad,u1,u2", "order %v", ids); err != nil {
				return err
			}
			for _, r := range []client.Result{res[0], res[2], res[3]} {
				if r.Decision == nil || len(r.Heads) == 0 {
					return fmt.Errorf("no prediction for %s: %+v", r.ID, r)
				}
				for name, h := range r.Heads {
					sum := float32(0)
					for _, p := range h.Probabilities {
						sum += p
					}
					if math.Abs(float64(sum-1)) > 1e-3 {
						return fmt.Errorf("head %s probabilities sum to %v", name, sum)
					}
				}
			}
			return expect(res[1].Error != nil && res[1].Error.Code == "INVALID_ARGUMENT", "corrupt item: %+v", res[1])
		}},
		{fmt.Sprintf("stream of %d items", streamItems), func() error {
			items := make(chan client.Item, 256)
			go func() {
				defer close(items)
				for i := 0; i < streamItems; i++ {
					img := images[i%len(images)]
					if i%1000 == 500 {
						img = []byte(corruptImage)
					}
					items <- client.Item{ID: fmt.Sprintf("s%d", i), Image: img}
				}
			}()
			seen := map[string]bool{}
			errors := 0
			err := c.ClassifyStream(model, "", nil, items, 100, 1024, func(r client.Result) error {
				if seen[r.ID] {
					return fmt.Errorf("duplicate result %s", r.ID)
				}
				seen[r.ID] = true
				if r.Error != nil {
					errors++
					if r.Error.Code != "INVALID_ARGUMENT" {
						return fmt.Errorf("unexpected error %+v", r.Error)
					}
				}
				return nil
			})
			if err != nil {
				return err
			}
			if err := expect(len(seen) == streamItems, "%d results for %d items", len(seen), streamItems); err != nil {
				return err
			}
			return expect(errors == streamItems/1000, "%d item errors", errors)
		}},
		{"unknown model -> NOT_FOUND", func() error {
			_, err := c.Classify("no-such-model", "", nil, []client.Item{{ID: "x", Image: images[0]}})
			e, ok := err.(*client.Error)
			if !ok {
				return fmt.Errorf("expected a client.Error, got %v", err)
			}
			if err := expect(e.Code == "NOT_FOUND", "code %s", e.Code); err != nil {
				return err
			}
			return expect(strings.Contains(e.Message, "no-such-model"), "message %q", e.Message)
		}},
		{"CLI error is readable", func() error {
			cmd := exec.Command(cli, "-target", target, "-model", "no-such-model", paths[0])
			var stderr bytes.Buffer
			cmd.Stderr = &stderr
			err := cmd.Run()
			code := 0
			if ee, ok := err.(*exec.ExitError); ok {
				code = ee.ExitCode()
			}
			if err := expect(code == 2, "exit %d", code); err != nil {
				return err
			}
			s := stderr.String()
			if err := expect(strings.HasPrefix(s, "error: NOT_FOUND: "), "stderr %q", s); err != nil {
				return err
			}
			return expect(!strings.Contains(s, "goroutine ") && !strings.Contains(s, "panic"), "stack trace shown")
		}},
		{"CLI writes JSONL", func() error {
			out, err := exec.Command(cli, "-target", target, "-model", model, paths[0], paths[1]).Output()
			if err != nil {
				return fmt.Errorf("cli: %v", err)
			}
			var ids []string
			sc := bufio.NewScanner(bytes.NewReader(out))
			for sc.Scan() {
				var m map[string]interface{}
				if err := json.Unmarshal(sc.Bytes(), &m); err != nil {
					return err
				}
				for _, k := range []string{"id", "decision", "unknown", "ood_score", "reason", "heads"} {
					if _, ok := m[k]; !ok {
						return fmt.Errorf("line lacks %s: %s", k, sc.Text())
					}
				}
				ids = append(ids, m["id"].(string))
			}
			sort.Strings(ids)
			return expect(strings.Join(ids, ",") == paths[0]+","+paths[1], "ids %v", ids)
		}},
		{"OIP v2 ModelInfer", func() error {
			ref, err := c.Classify(model, "", nil, []client.Item{{ID: "0", Image: images[0]}, {ID: "1", Image: images[1]}})
			if err != nil {
				return err
			}
			resp, err := c.OIPInferBytes(model, "", images[:2], nil)
			if err != nil {
				return err
			}
			dec, err := client.Output(resp, "decision")
			if err != nil {
				return err
			}
			for i, d := range dec.Contents.BytesContents {
				if string(d) != *ref[i].Decision {
					return fmt.Errorf("item %d: OIP decision %q, Classify %q", i, d, *ref[i].Decision)
				}
			}
			if _, err := c.OIPInferBytes(model, "", [][]byte{images[0], []byte(corruptImage)}, nil); err == nil {
				return fmt.Errorf("corrupt OIP item accepted")
			} else if e, ok := err.(*client.Error); !ok || e.Code != "INVALID_ARGUMENT" || !strings.HasPrefix(e.Message, "item 1: ") {
				return fmt.Errorf("corrupt OIP item: %v", err)
			}
			return nil
		}},
	}

	failed := 0
	for _, ch := range checks {
		if err := ch.fn(); err != nil {
			failed++
			fmt.Printf("FAIL %s: %v\n", ch.name, err)
		} else {
			fmt.Printf("ok   %s\n", ch.name)
		}
	}
	fmt.Printf("go e2e: %d passed, %d failed\n", len(checks)-failed, failed)
	if failed > 0 {
		os.Exit(1)
	}
}

func expect(cond bool, format string, args ...interface{}) error {
	if cond {
		return nil
	}
	return fmt.Errorf(format, args...)
}
