package client

import (
	"context"
	"encoding/binary"
	"fmt"
	"io"
	"math"
	"sort"
	"strings"

	"cerberus.dev/client/pb/inference"
)

// OIP v2 (KServe Open Inference Protocol) helpers: request builders for images, texts and FP32
// tensors, decoding of typed or raw outputs, and the per-item decision/unknown/reason outputs
// (clients/README.md "OIP v2 mapping").

// Tensor is one decoded output: exactly one of FP32, Bool, Bytes is set, by Datatype.
type Tensor struct {
	Datatype string
	Shape    []int64
	FP32     []float32
	Bool     []bool
	Bytes    [][]byte
}

// Outputs are a response's tensors by name.
type Outputs map[string]Tensor

// BytesRequest builds a ModelInferRequest with one BYTES input [N] (encoded images or UTF-8
// texts); outputs empty asks for all of them.
func BytesRequest(model string, elements [][]byte, outputs ...string) *inference.ModelInferRequest {
	return oipRequest(model, &inference.ModelInferRequest_InferInputTensor{
		Name: "input", Datatype: "BYTES", Shape: []int64{int64(len(elements))},
		Contents: &inference.InferTensorContents{BytesContents: elements},
	}, outputs)
}

// ImageRequest builds an OIP request for encoded PNG/JPEG images.
func ImageRequest(model string, images [][]byte, outputs ...string) *inference.ModelInferRequest {
	return BytesRequest(model, images, outputs...)
}

// TextRequest builds an OIP request for texts.
func TextRequest(model string, texts []string, outputs ...string) *inference.ModelInferRequest {
	b := make([][]byte, len(texts))
	for i, t := range texts {
		b[i] = []byte(t)
	}
	return BytesRequest(model, b, outputs...)
}

// FP32Request builds an OIP request with one FP32 input of shape (first dimension: items).
func FP32Request(model string, values []float32, shape []int64, outputs ...string) *inference.ModelInferRequest {
	return oipRequest(model, &inference.ModelInferRequest_InferInputTensor{
		Name: "input", Datatype: "FP32", Shape: shape, Contents: &inference.InferTensorContents{Fp32Contents: values},
	}, outputs)
}

func oipRequest(model string, in *inference.ModelInferRequest_InferInputTensor, outputs []string) *inference.ModelInferRequest {
	req := &inference.ModelInferRequest{ModelName: model, Inputs: []*inference.ModelInferRequest_InferInputTensor{in}}
	for _, o := range outputs {
		req.Outputs = append(req.Outputs, &inference.ModelInferRequest_InferRequestedOutputTensor{Name: o})
	}
	return req
}

// Decode reads a ModelInferResponse's outputs, typed or raw.
func Decode(resp *inference.ModelInferResponse) Outputs {
	out := Outputs{}
	for i, t := range resp.Outputs {
		d := Tensor{Datatype: t.Datatype, Shape: t.Shape}
		if i < len(resp.RawOutputContents) {
			raw := resp.RawOutputContents[i]
			switch t.Datatype {
			case "FP32":
				for k := 0; k+4 <= len(raw); k += 4 {
					d.FP32 = append(d.FP32, math.Float32frombits(binary.LittleEndian.Uint32(raw[k:])))
				}
			case "BOOL":
				for _, b := range raw {
					d.Bool = append(d.Bool, b != 0)
				}
			default: // BYTES: a 4-byte little-endian length before each element
				for k := 0; k+4 <= len(raw); {
					n := int(binary.LittleEndian.Uint32(raw[k:]))
					d.Bytes = append(d.Bytes, raw[k+4:k+4+n])
					k += 4 + n
				}
			}
		} else if t.Contents != nil {
			d.FP32, d.Bool, d.Bytes = t.Contents.Fp32Contents, t.Contents.BoolContents, t.Contents.BytesContents
		}
		out[t.Name] = d
	}
	return out
}

// OIPDecision is one item's item-level answer from OIP outputs.
type OIPDecision struct {
	Decision string
	Unknown  bool
	OODScore float32
	Reason   string // gate | threshold | class; empty when the response has no reason output
}

// Decisions reads decision, unknown, ood_score and reason per item; the error names the outputs
// there are when a request asked for a subset without them.
func (o Outputs) Decisions() ([]OIPDecision, error) {
	for _, name := range []string{"decision", "unknown", "ood_score"} {
		if _, ok := o[name]; !ok {
			names := make([]string, 0, len(o))
			for n := range o {
				names = append(names, n)
			}
			sort.Strings(names)
			return nil, fmt.Errorf("no output %q; outputs: %s", name, strings.Join(names, ", "))
		}
	}
	out := make([]OIPDecision, len(o["decision"].Bytes))
	for i, d := range o["decision"].Bytes {
		out[i] = OIPDecision{Decision: string(d), Unknown: o["unknown"].Bool[i], OODScore: o["ood_score"].FP32[i]}
		if r, ok := o["reason"]; ok && i < len(r.Bytes) {
			out[i].Reason = string(r.Bytes[i])
		}
	}
	return out, nil
}

// OIPInfer runs ModelInfer.
func (c *Client) OIPInfer(ctx context.Context, req *inference.ModelInferRequest) (Outputs, error) {
	resp, err := c.oip.ModelInfer(ctx, req)
	if err != nil {
		return nil, wrap(err)
	}
	return Decode(resp), nil
}

// OIPStreamInfer sends every request through ModelStreamInfer and calls onAnswer per request in
// completion order with its id and outputs, or with the *Error of that request (the stream goes on).
func (c *Client) OIPStreamInfer(ctx context.Context, reqs []*inference.ModelInferRequest,
	onAnswer func(id string, out Outputs, err error)) error {
	stream, err := c.oip.ModelStreamInfer(ctx)
	if err != nil {
		return wrap(err)
	}
	go func() {
		for _, r := range reqs {
			if stream.Send(r) != nil {
				return // Recv reports the stream's status
			}
		}
		stream.CloseSend()
	}()
	for {
		r, err := stream.Recv()
		if err == io.EOF {
			return nil
		}
		if err != nil {
			return wrap(err)
		}
		if r.ErrorMessage != "" {
			code, msg := r.ErrorMessage, ""
			if i := strings.Index(r.ErrorMessage, ": "); i >= 0 {
				code, msg = r.ErrorMessage[:i], r.ErrorMessage[i+2:]
			}
			onAnswer(r.InferResponse.GetId(), nil, &Error{Code: code, Message: msg})
		} else {
			onAnswer(r.InferResponse.GetId(), Decode(r.InferResponse), nil)
		}
	}
}
