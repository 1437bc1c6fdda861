// Command cerberus-classify classifies files (or stdin lines) and writes JSONL, like the
// Python and Node CLIs:
//
//	cerberus-classify -target HOST:PORT -model fashion img1.png img2.png
//	cat texts.txt | cerberus-classify -target HOST:PORT -model topics -
//	cerberus-classify -target HOST:PORT health
//
// A failed call prints "error: CODE: message" on stderr and exits 2.
package main

import (
	"bufio"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"os"
	"strings"

	"cerberus/client"
)

func main() {
	os.Exit(run())
}

func run() int {
	target := flag.String("target", "127.0.0.1:8500", "host:port of the server")
	model := flag.String("model", "", "model name (required to classify)")
	version := flag.String("version", "", "model version (default: newest)")
	heads := flag.String("heads", "", "comma-separated heads (default: all)")
	text := flag.Bool("text", false, "files hold text, not images")
	outPath := flag.String("out", "", "write JSONL here instead of stdout")
	flag.Parse()
	args := flag.Args()

	c, err := client.Dial(*target)
	if err != nil {
		return fail(err)
	}
	defer c.Close()
	if len(args) == 1 && args[0] == "health" {
		s, err := c.Health("")
		if err != nil {
			return fail(err)
		}
		fmt.Println(s)
		return 0
	}
	if len(args) == 1 && args[0] == "models" {
		models, err := c.ListModels()
		if err != nil {
			return fail(err)
		}
		for _, m := range models {
			b, _ := json.Marshal(map[string]interface{}{"name": m.Name, "versions": m.Versions,
				"input_kind": m.InputKind, "heads": m.Heads})
			fmt.Println(string(b))
		}
		return 0
	}
	if *model == "" {
		fmt.Fprintln(os.Stderr, "error: -model is required to classify")
		flag.Usage()
		return 64
	}
	var out io.Writer = os.Stdout
	if *outPath != "" {
		f, err := os.Create(*outPath)
		if err != nil {
			return fail(err)
		}
		defer f.Close()
		out = f
	}
	w := bufio.NewWriter(out)
	defer w.Flush()

	items := make(chan client.Item, 64)
	readErr := make(chan error, 1)
	go func() {
		defer close(items)
		readErr <- produce(args, *text, items)
	}()
	var headList []string
	if *heads != "" {
		headList = strings.Split(*heads, ",")
	}
	err = c.ClassifyStream(*model, *version, headList, items, 64, 1024, func(r client.Result) error {
		b, err := json.Marshal(r)
		if err != nil {
			return err
		}
		_, err = w.Write(append(b, '\n'))
		return err
	})
	if err != nil {
		return fail(err)
	}
	if err := <-readErr; err != nil {
		return fail(err)
	}
	return 0
}

func produce(args []string, text bool, items chan<- client.Item) error {
	if len(args) == 0 {
		args = []string{"-"}
	}
	for _, src := range args {
		if src == "-" {
			sc := bufio.NewScanner(os.Stdin)
			sc.Buffer(make([]byte, 1<<20), 16<<20)
			n := 0
			for sc.Scan() {
				n++
				if line := sc.Text(); line != "" {
					items <- client.Item{ID: fmt.Sprintf("stdin:%d", n), Text: &line}
				}
			}
			if err := sc.Err(); err != nil {
				return err
			}
			continue
		}
		b, err := os.ReadFile(src)
		if err != nil {
			return err
		}
		if text {
			s := string(b)
			items <- client.Item{ID: src, Text: &s}
		} else {
			items <- client.Item{ID: src, Image: b}
		}
	}
	return nil
}

func fail(err error) int {
	if e, ok := err.(*client.Error); ok {
		fmt.Fprintf(os.Stderr, "error: %s: %s\n", e.Code, e.Message)
	} else {
		fmt.Fprintf(os.Stderr, "error: %v\n", err)
	}
	return 2
}
