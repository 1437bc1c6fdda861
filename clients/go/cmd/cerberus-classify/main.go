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
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"strings"
	"time"

	"cerberus.dev/client"
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
	timeout := flag.Duration("timeout", 0, "deadline of the whole command, e.g. 30s (default: 30s for health/models, none to classify)")
	token := flag.String("token", os.Getenv("CERBERUS_TOKEN"), "bearer token (default: $CERBERUS_TOKEN; prefer it, flags are visible in ps)")
	useTLS := flag.Bool("tls", false, "TLS with the system's CA certificates")
	tlsCA := flag.String("tls-ca", "", "TLS: PEM CA file that signed the server certificate")
	tlsCert := flag.String("tls-cert", "", "mutual TLS: PEM client certificate")
	tlsKey := flag.String("tls-key", "", "mutual TLS: PEM client key")
	flag.Parse()
	args := flag.Args()

	var opts []client.Option
	if *useTLS || *tlsCA != "" || *tlsCert != "" {
		opts = append(opts, client.WithTLS(client.TLS{CAFile: *tlsCA, CertFile: *tlsCert, KeyFile: *tlsKey}))
	}
	if *token != "" {
		opts = append(opts, client.WithToken(*token))
	}
	c, err := client.Connect(*target, opts...)
	if err != nil {
		return fail(err)
	}
	defer c.Close()
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt)
	defer stop()
	unaryCtx := func() (context.Context, context.CancelFunc) {
		if *timeout > 0 {
			return context.WithTimeout(ctx, *timeout)
		}
		return context.WithTimeout(ctx, 30*time.Second)
	}
	if len(args) == 1 && args[0] == "health" {
		cctx, cancel := unaryCtx()
		defer cancel()
		s, err := c.Health(cctx, "")
		if err != nil {
			return fail(err)
		}
		fmt.Println(s)
		return 0
	}
	if len(args) == 1 && args[0] == "models" {
		cctx, cancel := unaryCtx()
		defer cancel()
		models, err := c.ListModels(cctx)
		if err != nil {
			return fail(err)
		}
		for _, m := range models {
			b, _ := json.Marshal(map[string]interface{}{"name": m.Name, "versions": m.Versions,
				"input_kind": m.InputKind, "heads": m.Heads, "unknown_policy_heads": m.UnknownPolicyHeads})
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
	if *timeout > 0 {
		var cancel context.CancelFunc
		ctx, cancel = context.WithTimeout(ctx, *timeout)
		defer cancel()
	}
	sel := client.Select{Version: *version, Heads: headList}
	err = c.ClassifyStream(ctx, *model, items, client.StreamOptions{Select: sel}, func(r client.Result) error {
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
					items <- client.TextItem(fmt.Sprintf("stdin:%d", n), line)
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
			items <- client.TextItem(src, string(b))
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
