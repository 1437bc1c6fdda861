package client

import (
	"context"
	"errors"
	"io"

	"google.golang.org/grpc/status"
)

// Error is a failed call: Code is the canonical gRPC status name (e.g. "NOT_FOUND", as the other
// Cerberus clients print it), Message the server's reason.
type Error struct {
	Code    string
	Message string
}

func (e *Error) Error() string { return e.Code + ": " + e.Message }

// codeNames maps grpc-go's CamelCase code names to the canonical upper-case ones.
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

// wrap turns a gRPC error into *Error (a context's own deadline or cancel too), nil and io.EOF as is.
func wrap(err error) error {
	if err == nil || err == io.EOF {
		return err
	}
	var e *Error
	if errors.As(err, &e) {
		return e
	}
	if s, ok := status.FromError(err); ok {
		return &Error{Code: canonical(s.Code().String()), Message: s.Message()}
	}
	switch {
	case errors.Is(err, context.DeadlineExceeded):
		return &Error{Code: "DEADLINE_EXCEEDED", Message: err.Error()}
	case errors.Is(err, context.Canceled):
		return &Error{Code: "CANCELLED", Message: err.Error()}
	}
	return &Error{Code: "UNKNOWN", Message: err.Error()}
}
