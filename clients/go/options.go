package client

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"fmt"
	"math/rand"
	"os"
	"time"

	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/credentials"
	"google.golang.org/grpc/status"
)

// TLS configures a TLS connection: CAFile the PEM CA that signed the server's certificate (empty:
// the system roots); CertFile + KeyFile a client certificate for mutual TLS; ServerName overrides
// the name checked against the server certificate.
type TLS struct {
	CAFile, CertFile, KeyFile, ServerName string
}

func (t TLS) credentials() (credentials.TransportCredentials, error) {
	cfg := &tls.Config{ServerName: t.ServerName, MinVersion: tls.VersionTLS12}
	if t.CAFile != "" {
		pem, err := os.ReadFile(t.CAFile)
		if err != nil {
			return nil, fmt.Errorf("cannot read TLS CA file: %w", err)
		}
		cfg.RootCAs = x509.NewCertPool()
		if !cfg.RootCAs.AppendCertsFromPEM(pem) {
			return nil, fmt.Errorf("no PEM certificate in TLS CA file %s", t.CAFile)
		}
	}
	if (t.CertFile == "") != (t.KeyFile == "") {
		return nil, fmt.Errorf("mutual TLS needs both CertFile and KeyFile")
	}
	if t.CertFile != "" {
		pair, err := tls.LoadX509KeyPair(t.CertFile, t.KeyFile)
		if err != nil {
			return nil, fmt.Errorf("cannot load client certificate: %w", err)
		}
		cfg.Certificates = []tls.Certificate{pair}
	}
	return credentials.NewTLS(cfg), nil
}

type config struct {
	tls             *TLS
	token           string
	attempts        int
	maxMessageBytes int
}

// Option configures Connect.
type Option func(*config)

// WithTLS turns TLS on (default: plaintext).
func WithTLS(t TLS) Option { return func(c *config) { c.tls = &t } }

// WithToken sends "authorization: Bearer <token>" on every call.
func WithToken(token string) Option { return func(c *config) { c.token = token } }

// WithRetries sets the attempts per unary call on UNAVAILABLE (default 4; 1 = no retries).
// Retries back off exponentially (100 ms doubling, up to 5 s, jittered) and stop at the deadline.
func WithRetries(attempts int) Option { return func(c *config) { c.attempts = attempts } }

// WithMaxMessageBytes sets the largest message sent or received (default 64 MiB).
func WithMaxMessageBytes(n int) Option { return func(c *config) { c.maxMessageBytes = n } }

// bearer is per-call credentials that also work over plaintext (a server on loopback).
type bearer string

func (b bearer) GetRequestMetadata(context.Context, ...string) (map[string]string, error) {
	return map[string]string{"authorization": "Bearer " + string(b)}, nil
}

func (bearer) RequireTransportSecurity() bool { return false }

// retryUnary retries UNAVAILABLE unary calls (all Cerberus calls are idempotent). grpc-go 1.33
// (Debian's) enables service-config retries only with GRPC_GO_RETRY=on, so this does it itself.
func retryUnary(attempts int) grpc.UnaryClientInterceptor {
	return func(ctx context.Context, method string, req, reply interface{}, cc *grpc.ClientConn,
		invoker grpc.UnaryInvoker, opts ...grpc.CallOption) error {
		backoff := 100 * time.Millisecond
		for attempt := 1; ; attempt++ {
			err := invoker(ctx, method, req, reply, cc, opts...)
			if err == nil || attempt >= attempts || status.Code(err) != codes.Unavailable {
				return err
			}
			wait := time.Duration(float64(backoff) * (0.8 + 0.4*rand.Float64()))
			select {
			case <-ctx.Done():
				return err
			case <-time.After(wait):
			}
			if backoff *= 2; backoff > 5*time.Second {
				backoff = 5 * time.Second
			}
		}
	}
}

func dialOptions(cfg config) ([]grpc.DialOption, error) {
	opts := []grpc.DialOption{
		grpc.WithDefaultCallOptions(grpc.MaxCallRecvMsgSize(cfg.maxMessageBytes), grpc.MaxCallSendMsgSize(cfg.maxMessageBytes)),
		grpc.WithUnaryInterceptor(retryUnary(cfg.attempts)),
	}
	if cfg.tls != nil {
		creds, err := cfg.tls.credentials()
		if err != nil {
			return nil, err
		}
		opts = append(opts, grpc.WithTransportCredentials(creds))
	} else {
		opts = append(opts, grpc.WithInsecure()) // Debian's grpc-go 1.33 predates credentials/insecure
	}
	if cfg.token != "" {
		opts = append(opts, grpc.WithPerRPCCredentials(bearer(cfg.token)))
	}
	return opts, nil
}
