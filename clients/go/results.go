package client

import (
	"strings"

	cerberusv1 "cerberus.dev/client/pb/cerberusv1"
)

// Item is one input: an encoded image, a text, or a float tensor.
type Item struct {
	ID     string
	Image  []byte
	Text   *string
	Tensor *cerberusv1.Tensor
}

// TextItem is an item of a text-input model.
func TextItem(id, text string) Item { return Item{ID: id, Text: &text} }

// TensorItem is an item of a tensor-input model: shape without the batch dimension, row-major values.
func TensorItem(id string, shape []int64, values []float32) Item {
	return Item{ID: id, Tensor: &cerberusv1.Tensor{Shape: shape, Values: values}}
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

// HeadResult is one head's answer. Unknown, OODScore, Threshold (its own unknown policy's
// verdict) and Reason are set only for heads with their own unknown policy; the JSON is the
// shape the Java CLI writes (clients/java/README.md).
type HeadResult struct {
	Label         string             `json:"label"`
	Probabilities map[string]float32 `json:"probabilities"`
	Unknown       *bool              `json:"unknown,omitempty"`
	OODScore      *float32           `json:"ood_score,omitempty"`
	Threshold     *float32           `json:"threshold,omitempty"`
	Reason        string             `json:"reason,omitempty"` // gate | threshold | class
}

// ItemError is a per-item failure.
type ItemError struct {
	Code    string `json:"code"`
	Message string `json:"message"`
}

// Result is one item's outcome, serialised as the JSONL line every Cerberus CLI writes.
type Result struct {
	ID            string                `json:"id"`
	Decision      *string               `json:"decision,omitempty"`
	Unknown       *bool                 `json:"unknown,omitempty"`
	OODScore      *float32              `json:"ood_score,omitempty"`
	Reason        *string               `json:"reason,omitempty"`         // gate | threshold | class
	AcceptedHeads []string              `json:"accepted_heads,omitempty"` // only for models with per-head policies; JSON omits an empty list
	Heads         map[string]HeadResult `json:"heads,omitempty"`
	Error         *ItemError            `json:"error,omitempty"`
}

func reasonName(r cerberusv1.Reason) string {
	if r == cerberusv1.Reason_REASON_UNSPECIFIED { // unset from an older server / head without policy
		return ""
	}
	return strings.ToLower(strings.TrimPrefix(r.String(), "REASON_"))
}

func toResult(r *cerberusv1.ItemResult) Result {
	if e := r.GetError(); e != nil {
		return Result{ID: r.Id, Error: &ItemError{Code: e.Code.String(), Message: e.Message}}
	}
	p := r.GetPrediction()
	heads := map[string]HeadResult{}
	perHead := false
	for _, h := range p.Heads {
		probs := map[string]float32{}
		for _, lp := range h.Probabilities {
			probs[lp.Label] = lp.Probability
		}
		hr := HeadResult{Label: h.Label, Probabilities: probs, Reason: reasonName(h.Reason)}
		if u := h.OwnUnknown; u != nil {
			unknown, score, threshold := u.Unknown, u.OodScore, u.Threshold
			hr.Unknown, hr.OODScore, hr.Threshold = &unknown, &score, &threshold
			perHead = true
		}
		heads[h.Head] = hr
	}
	decision, unknown, ood := p.Decision, p.Unknown, p.OodScore
	// Unknown is always written, also when false.
	out := Result{ID: r.Id, Decision: &decision, Unknown: &unknown, OODScore: &ood, Heads: heads}
	if perHead {
		out.AcceptedHeads = append([]string{}, p.AcceptedHeads...)
	}
	if reason := reasonName(p.Reason); reason != "" {
		out.Reason = &reason
	}
	return out
}
