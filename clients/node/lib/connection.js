'use strict';
// Channel set-up shared by the stubs: plaintext or TLS (CA file, optional client certificate for
// mutual TLS), the bearer token as call metadata, message limits and gRPC's own retries.
const fs = require('fs');
const grpc = require('@grpc/grpc-js');

/** Services whose calls gRPC retries on UNAVAILABLE (all idempotent). */
const RETRIED_SERVICES = ['cerberus.v1.Classifier', 'inference.GRPCInferenceService', 'grpc.health.v1.Health'];

function readPem(file, what) {
  try {
    return fs.readFileSync(file);
  } catch (e) {
    throw new Error(`cannot read TLS ${what} ${file}: ${e.code || e.message}`);
  }
}

/**
 * @param {boolean|string|{ca?: string, cert?: string, key?: string, serverName?: string}|undefined} tls
 *   undefined/false plaintext, true system roots, a string a CA file, or an object (mTLS).
 */
function credentials(tls) {
  if (tls === undefined || tls === null || tls === false) return grpc.credentials.createInsecure();
  const o = tls === true ? {} : (typeof tls === 'string' ? { ca: tls } : tls);
  if (!o.cert !== !o.key) throw new Error('mutual TLS needs both tls.cert and tls.key');
  return grpc.credentials.createSsl(o.ca ? readPem(o.ca, 'CA') : null,
    o.key ? readPem(o.key, 'key') : null, o.cert ? readPem(o.cert, 'certificate') : null);
}

/** Channel options; retries: attempts per call (1 = none, gRPC caps at 5). */
function channelOptions({ retries = 4, serverName, maxMessageBytes = 64 << 20 } = {}) {
  const options = {
    'grpc.max_receive_message_length': maxMessageBytes,
    'grpc.max_send_message_length': maxMessageBytes,
    'grpc.enable_retries': retries > 1 ? 1 : 0,
    'grpc.service_config': JSON.stringify({
      methodConfig: retries > 1 ? [{
        name: RETRIED_SERVICES.map((service) => ({ service })),
        retryPolicy: {
          maxAttempts: Math.min(retries, 5), initialBackoff: '0.1s', maxBackoff: '5s',
          backoffMultiplier: 2, retryableStatusCodes: ['UNAVAILABLE'],
        },
      }] : [],
    }),
  };
  if (serverName) options['grpc.ssl_target_name_override'] = serverName;
  return options;
}

/** `authorization: Bearer <token>` metadata (a fresh object per call; empty without a token). */
function tokenMetadata(token) {
  const md = new grpc.Metadata();
  if (token) {
    if (/[\r\n]/.test(token)) throw new Error('token must be one line');
    md.set('authorization', `Bearer ${token}`);
  }
  return md;
}

module.exports = { credentials, channelOptions, tokenMetadata };
