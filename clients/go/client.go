// Package client is the Go client of the Cerberus model server: its own API (cerberus.v1), the
// standard grpc.health.v1 check and the KServe Open Inference Protocol v2. Every call takes a
// context.Context: its deadline is the call's deadline, cancelling it cancels the call.
package client

import (
	"context"

	cerberusv1 "cerberus.dev/client/pb/cerberusv1"
	"cerberus.dev/client/pb/inference"

	"google.golang.org/grpc"
	healthpb "google.golang.org/grpc/health/grpc_health_v1"
)

// Client talks to one server. Safe for concurrent use.
type Client struct {
	conn       *grpc.ClientConn
	classifier cerberusv1.ClassifierClient
	oip        inference.GRPCInferenceServiceClient
	health     healthpb.HealthClient
}

// Connect connects (lazily) to target, "host:port": plaintext unless WithTLS.
func Connect(target string, opts ...Option) (*Client, error) {
	cfg := config{attempts: 4, maxMessageBytes: 64 << 20}
	for _, o := range opts {
		o(&cfg)
	}
	dial, err := dialOptions(cfg)
	if err != nil {
		return nil, &Error{Code: "INVALID_ARGUMENT", Message: err.Error()}
	}
	conn, err := grpc.Dial(target, dial...)
	if err != nil {
		return nil, wrap(err)
	}
	return &Client{
		conn:       conn,
		classifier: cerberusv1.NewClassifierClient(conn),
		oip:        inference.NewGRPCInferenceServiceClient(conn),
		health:     healthpb.NewHealthClient(conn),
	}, nil
}

// Close releases the connection.
func (c *Client) Close() error { return c.conn.Close() }

// Health runs grpc.health.v1 Check and returns e.g. "SERVING".
func (c *Client) Health(ctx context.Context, service string) (string, error) {
	resp, err := c.health.Check(ctx, &healthpb.HealthCheckRequest{Service: service})
	if err != nil {
		return "", wrap(err)
	}
	return resp.Status.String(), nil
}

// ListModels returns the loaded models.
func (c *Client) ListModels(ctx context.Context) ([]*cerberusv1.ModelSummary, error) {
	resp, err := c.classifier.ListModels(ctx, &cerberusv1.ListModelsRequest{})
	if err != nil {
		return nil, wrap(err)
	}
	return resp.Models, nil
}

// Select picks the model version (empty: newest) and the heads to report (empty: all).
type Select struct {
	Version string
	Heads   []string
}

// Classify runs unary Classify: one result per item, in order (prediction or per-item error).
func (c *Client) Classify(ctx context.Context, model string, items []Item, sel ...Select) ([]Result, error) {
	req := &cerberusv1.ClassifyRequest{Model: model}
	if len(sel) > 0 {
		req.Version, req.Heads = sel[0].Version, sel[0].Heads
	}
	for _, it := range items {
		req.Items = append(req.Items, it.wire())
	}
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

// ClassifyImages classifies encoded images; ids are "0", "1", ...
func (c *Client) ClassifyImages(ctx context.Context, model string, images [][]byte, sel ...Select) ([]Result, error) {
	items := make([]Item, len(images))
	for i, b := range images {
		items[i] = Item{ID: itoa(i), Image: b}
	}
	return c.Classify(ctx, model, items, sel...)
}

// ClassifyTexts classifies texts; ids are "0", "1", ...
func (c *Client) ClassifyTexts(ctx context.Context, model string, texts []string, sel ...Select) ([]Result, error) {
	items := make([]Item, len(texts))
	for i, t := range texts {
		items[i] = TextItem(itoa(i), t)
	}
	return c.Classify(ctx, model, items, sel...)
}
