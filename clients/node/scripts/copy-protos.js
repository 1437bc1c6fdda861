'use strict';
// Copies the server's protos into proto/ so the package carries them (run by `npm pack` as
// prepack, and by setup.sh). CERBERUS_PROTO_DIR overrides the source folder.
const fs = require('fs');
const path = require('path');

const src = process.env.CERBERUS_PROTO_DIR || path.join(__dirname, '..', '..', '..', 'proto', 'src', 'main', 'proto');
const dst = path.join(__dirname, '..', 'proto');
// grpc_service.proto imports model_config.proto (Triton's ModelConfig messages)
for (const rel of ['cerberus/v1/classifier.proto', 'inference/grpc_service.proto',
  'inference/model_config.proto']) {
  const from = path.join(src, rel);
  if (!fs.existsSync(from)) {
    console.error(`error: ${from} not found (set CERBERUS_PROTO_DIR to the folder holding ${rel})`);
    process.exit(2);
  }
  fs.mkdirSync(path.dirname(path.join(dst, rel)), { recursive: true });
  fs.copyFileSync(from, path.join(dst, rel));
}
