package client

import (
	"context"
	"io"
	"strconv"

	cerberusv1 "cerberus.dev/client/pb/cerberusv1"
)

func itoa(i int) string { return strconv.Itoa(i) }

// StreamOptions shape a ClassifyStream: Chunk items per message (default 64), at most MaxInFlight
// items sent and unanswered (default 1024).
type StreamOptions struct {
	Select
	Chunk, MaxInFlight int
}

// ClassifyStream sends items (read from the channel until it is closed) through ClassifyStream
// and calls onResult for every result as it arrives (any order). It returns when every result
// arrived, on the first error (a failed stream, or onResult's error), or when ctx ends: the
// context's deadline is the whole stream's deadline. At most MaxInFlight items are unanswered,
// so memory stays bounded for any input size.
func (c *Client) ClassifyStream(ctx context.Context, model string, items <-chan Item, opts StreamOptions,
	onResult func(Result) error) error {
	if opts.Chunk <= 0 {
		opts.Chunk = 64
	}
	if opts.MaxInFlight <= 0 {
		opts.MaxInFlight = 1024
	}
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	stream, err := c.classifier.ClassifyStream(ctx)
	if err != nil {
		return wrap(err)
	}
	window := make(chan struct{}, opts.MaxInFlight)
	sendErr := make(chan error, 1)
	go func() {
		first := true
		batch := make([]*cerberusv1.Item, 0, opts.Chunk)
		flush := func() error {
			msg := &cerberusv1.ClassifyStreamRequest{Items: batch}
			if first {
				msg.Model, msg.Version, msg.Heads = model, opts.Version, opts.Heads
				first = false
			}
			batch = make([]*cerberusv1.Item, 0, opts.Chunk)
			return stream.Send(msg)
		}
		for {
			var it Item
			var ok bool
			select {
			case it, ok = <-items:
			case <-ctx.Done():
				sendErr <- nil // the receive side reports the context's error
				return
			}
			if !ok {
				break
			}
			select {
			case window <- struct{}{}:
			case <-ctx.Done():
				sendErr <- nil
				return
			}
			batch = append(batch, it.wire())
			if len(batch) >= opts.Chunk {
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
