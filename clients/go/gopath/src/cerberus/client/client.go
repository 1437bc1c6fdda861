// Package client is a small Go client for the Cerberus model server: its own API
// (cerberus.v1), the standard grpc.health.v1 check and OIP v2 ModelInfer.
package client

import (
	"context"
	"fmt"
	"io"
	"strings"
	"time"

	"cerberus/oip/inference"
	cerberusv1 "cerberus/v1"

	"google.golang.org/grpc"
	healthpb "google.golang.org/grpc/health/grpc_health_v1"
	"google.golang.org/grpc/status"
)

// Error is a failed call: Code is the gRPC status name (e.g. "NOT_FOUND"), Message the reason.
type Error struct {
	Code    string
	Message string
}

func (e *Error) Error() string { return e.Code + ": " + e.Message }

func wrap(err error) error {
	if err == nil || err == io.EOF {
		return err
	}
	if s, ok := status.FromError(err); ok {
		return &Error{Code: canonical(s.Code().String()), Message: s.Message()}
	}
	return &Error{Code: "UNKNOWN", Message: err.Error()}
}

// codeNames maps grpc-go's CamelCase code names to the canonical upper-case ones that the
// other Cerberus clients (and the gRPC spec) print.
var codeNames = map[string]string{
	"OK": "OK", "Canceled": "CANCELLED", "Unknown": "UNKNOWN", "InvalidArgument": "INVALID_ARGUMENT",
	"DeadlineExceeded": "DEADLINE_EXCEEDED", "NotFound": "NOT_FOUND", "AlreadyExists": "ALREADY_EXISTS",
	"PermissionDenied": "PERMISSION_DENIED", "ResourceExhausted": "RESOURCE_EXHAUSTED",
	"FailedPrecondition": "FAILED_PRECONDITION", "Aborted": "ABORTED", "OutOfRange": "OUT_OF_RANGE",
	"Unimplemented": "UNIMPLEMENTED", "Internal": "INTERNAL", "Unavailable": "UNAVAILABLE",
	"DataLoss": "DATA_LOSS", "Unauthenticated": "UNAUTHENTICATED",
}

func canonical(name string) string {
	if n, ok := codeNames[name]; ok {
		return n
	}
	return name
}

// Item is one input: an encoded image, a text, or a float tensor.
type Item struct {
	ID     string
	Image  []byte
	Text   *string
	Tensor *cerberusv1.Tensor
}

func (it Item) wire() *cerberusv1.Item {
	w := &cerberusv1.Item{Id: it.ID}
	switch {
	case it.Image != nil:
		w.Input = &cerberusv1.Item_Image{Image: it.Image}
	case it.Tensor != nil:
		w.Input = &cerberusv1.Item_Tensor{Tensor: it.Tensor}
	case it.Text != nil:
		w.Input = &cerberusv1.Item_Text{Text: *it.Text}
	}
	return w
}

// HeadResult is one head's answer in the JSONL shape.
type HeadResult struct {
	Label         string             `json:"label"`
	Probabilities map[string]float32 `json:"probabilities"`
}

// ItemError is a per-item failure.
type ItemError struct {
	Code    string `json:"code"`
	Message string `json:"message"`
}

// Result is one item's outcome, serialised as the JSONL line every Cerberus CLI writes.
type Result struct {
	ID       string                `json:"id"`
	Decision *string               `json:"decision,omitempty"`
	Unknown  *bool                 `json:"unknown,omitempty"`
	OODScore *float32              `json:"ood_score,omitempty"`
	Reason   *string               `json:"reason,omitempty"` // gate | threshold | class
	Heads    map[string]HeadResult `json:"heads,omitempty"`
	Error    *ItemError            `json:"error,omitempty"`
}

func toResult(r *cerberusv1.ItemResult) Result {
	if e := r.GetError(); e != nil {
		return Result{ID: r.Id, Error: &ItemError{Code: e.Code.String(), Message: e.Message}}
	}
	p := r.GetPrediction()
	heads := map[string]HeadResult{}
	for _, h := range p.Heads {
		probs := map[string]float32{}
		for _, lp := range h.Probabilities {
			probs[lp.Label] = lp.Probability
		}
		heads[h.Head] = HeadResult{Label: h.Label, Probabilities: probs}
	}
	decision, unknown, ood := p.Decision, p.Unknown, p.OodScore
	// Unknown is always written, also when false.
	out := Result{ID: r.Id, Decision: &decision, Unknown: &unknown, OODScore: &ood, Heads: heads}
	if p.Reason != cerberusv1.Reason_REASON_UNSPECIFIED { // unset from an older server
		reason := strings.ToLower(strings.TrimPrefix(p.Reason.String(), "REASON_"))
		out.Reason = &reason
	}
	return out
}

// Client talks to one server. Safe for concurrent use.
type Client struct {
	conn       *grpc.ClientConn
	classifier cerberusv1.ClassifierClient
	oip        inference.GRPCInferenceServiceClient
	health     healthpb.HealthClient
	Timeout    time.Duration
}

// Dial connects (lazily) to target, "host:port", without TLS.
func Dial(target string) (*Client, error) {
	conn, err := grpc.Dial(target,
		grpc.WithInsecure(), // plaintext; this grpc-go (Debian 1.33) predates credentials/insecure
		grpc.WithDefaultCallOptions(grpc.MaxCallRecvMsgSize(64<<20), grpc.MaxCallSendMsgSize(64<<20)))
	if err != nil {
		return nil, wrap(err)
	}
	return &Client{
		conn:       conn,
		classifier: cerberusv1.NewClassifierClient(conn),
		oip:        inference.NewGRPCInferenceServiceClient(conn),
		health:     healthpb.NewHealthClient(conn),
		Timeout:    60 * time.Second,
	}, nil
}

// Close releases the connection.
func (c *Client) Close() error { return c.conn.Close() }

func (c *Client) ctx() (context.Context, context.CancelFunc) {
	return context.WithTimeout(context.Background(), c.Timeout)
}

// Health runs grpc.health.v1 Check and returns e.g. "SERVING".
func (c *Client) Health(service string) (string, error) {
	ctx, cancel := c.ctx()
	defer cancel()
	resp, err := c.health.Check(ctx, &healthpb.HealthCheckRequest{Service: service})
	if err != nil {
		return "", wrap(err)
	}
	return resp.Status.String(), nil
}

// ListModels returns the loaded models.
func (c *Client) ListModels() ([]*cerberusv1.ModelSummary, error) {
	ctx, cancel := c.ctx()
	defer cancel()
	resp, err := c.classifier.ListModels(ctx, &cerberusv1.ListModelsRequest{})
	if err != nil {
		return nil, wrap(err)
	}
	return resp.Models, nil
}

// Classify runs unary Classify: one result per item, in order.
func (c *Client) Classify(model, version string, heads []string, items []Item) ([]Result, error) {
	req := &cerberusv1.ClassifyRequest{Model: model, Version: version, Heads: heads}
	for _, it := range items {
		req.Items = append(req.Items, it.wire())
	}
	ctx, cancel := c.ctx()
	defer cancel()
	resp, err := c.classifier.Classify(ctx, req)
	if err != nil {
		return nil, wrap(err)
	}
	out := make([]Result, 0, len(resp.Results))
	for _, r := range resp.Results {
		out = append(out, toResult(r))
	}
	return out, nil
}

// ClassifyStream sends items (read from the channel until it is closed) through ClassifyStream
// in messages of `chunk` items, keeping at most maxInFlight unanswered, and calls onResult for
// every result as it arrives (any order). It returns when every result arrived or on error.
func (c *Client) ClassifyStream(model, version string, heads []string, items <-chan Item,
	chunk, maxInFlight int, onResult func(Result) error) error {
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	stream, err := c.classifier.ClassifyStream(ctx)
	if err != nil {
		return wrap(err)
	}
	window := make(chan struct{}, maxInFlight)
	sendErr := make(chan error, 1)
	go func() {
		first := true
		batch := make([]*cerberusv1.Item, 0, chunk)
		flush := func() error {
			msg := &cerberusv1.ClassifyStreamRequest{Items: batch}
			if first {
				msg.Model, msg.Version, msg.Heads = model, version, heads
				first = false
			}
			batch = make([]*cerberusv1.Item, 0, chunk)
			return stream.Send(msg)
		}
		for it := range items {
			select {
			case window <- struct{}{}:
			case <-ctx.Done():
				sendErr <- nil
				return
			}
			batch = append(batch, it.wire())
			if len(batch) >= chunk {
				if err := flush(); err != nil {
					sendErr <- nil // the receive side reports the stream's status
					return
				}
			}
		}
		if len(batch) > 0 {
			if err := flush(); err != nil {
				sendErr <- nil
				return
			}
		}
		sendErr <- stream.CloseSend()
	}()
	for {
		resp, err := stream.Recv()
		if err == io.EOF {
			return wrap(<-sendErr)
		}
		if err != nil {
			return wrap(err)
		}
		for _, r := range resp.Results {
			<-window
			if err := onResult(toResult(r)); err != nil {
				return err
			}
		}
	}
}

// OIPInferBytes runs OIP v2 ModelInfer with one BYTES input (images or UTF-8 texts).
func (c *Client) OIPInferBytes(model, version string, elements [][]byte, outputs []string) (*inference.ModelInferResponse, error) {
	in := &inference.ModelInferRequest_InferInputTensor{
		Name: "input", Datatype: "BYTES", Shape: []int64{int64(len(elements))},
		Contents: &inference.InferTensorContents{BytesContents: elements},
	}
	return c.oipInfer(model, version, in, outputs)
}

// OIPInferFP32 runs OIP v2 ModelInfer with one FP32 input of the given shape.
func (c *Client) OIPInferFP32(model, version string, values []float32, shape []int64, outputs []string) (*inference.ModelInferResponse, error) {
	in := &inference.ModelInferRequest_InferInputTensor{
		Name: "input", Datatype: "FP32", Shape: shape,
		Contents: &inference.InferTensorContents{Fp32Contents: values},
	}
	return c.oipInfer(model, version, in, outputs)
}

func (c *Client) oipInfer(model, version string, in *inference.ModelInferRequest_InferInputTensor, outputs []string) (*inference.ModelInferResponse, error) {
	req := &inference.ModelInferRequest{ModelName: model, ModelVersion: version,
		Inputs: []*inference.ModelInferRequest_InferInputTensor{in}}
	for _, o := range outputs {
		req.Outputs = append(req.Outputs, &inference.ModelInferRequest_InferRequestedOutputTensor{Name: o})
	}
	ctx, cancel := c.ctx()
	defer cancel()
	resp, err := c.oip.ModelInfer(ctx, req)
	if err != nil {
		return nil, wrap(err)
	}
	return resp, nil
}

// Output returns the named output tensor of a ModelInferResponse, or an error naming the
// outputs there are.
func Output(resp *inference.ModelInferResponse, name string) (*inference.ModelInferResponse_InferOutputTensor, error) {
	var names []string
	for _, t := range resp.Outputs {
		if t.Name == name {
			return t, nil
		}
		names = append(names, t.Name)
	}
	return nil, fmt.Errorf("no output %q; outputs: %v", name, names)
}
