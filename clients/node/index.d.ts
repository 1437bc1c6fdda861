// Types for cerberus-client (lib/client.js).

export type TlsOptions = boolean | string | { ca?: string; cert?: string; key?: string; serverName?: string };

export interface ClientOptions {
  /** Default deadline of unary calls, ms (30000). */
  timeoutMs?: number;
  /** Sent as `authorization: Bearer <token>`. */
  token?: string;
  /** false/undefined plaintext; true system roots; a CA file path; or CA + client cert/key (mTLS). */
  tls?: TlsOptions;
  /** Attempts per call on UNAVAILABLE (4; 1 = no retries). */
  retries?: number;
  /** Name checked against the server certificate instead of the target's host. */
  serverName?: string;
  maxMessageBytes?: number;
}

export type Item =
  | { id: string; image: Buffer }
  | { id: string; text: string }
  | { id: string; tensor: { shape: number[]; values: number[] } };

export interface HeadResult {
  label: string;
  probabilities: Record<string, number>;
  /** The head's own unknown policy's verdict, score and threshold: only for heads with one. */
  unknown?: boolean;
  ood_score?: number;
  threshold?: number;
  /** gate | threshold | class; only for heads with their own unknown policy. */
  reason?: string;
}

export interface Prediction {
  id: string;
  decision: string;
  unknown: boolean;
  ood_score: number;
  /** gate | threshold | class (absent from a server older than the field). */
  reason?: string;
  /** Heads whose own unknown policy accepted the item (empty: none of these); only when some head has one. */
  accepted_heads?: string[];
  heads: Record<string, HeadResult>;
}

export interface ItemFailure { id: string; error: { code: string; message: string } }
export type Result = Prediction | ItemFailure;

export interface CallOptions { timeoutMs?: number }
export interface ClassifyOptions extends CallOptions { version?: string; heads?: string[] }
export interface StreamOptions { version?: string; heads?: string[]; chunk?: number; maxInFlight?: number; deadlineMs?: number }

export interface OipTensor { datatype: string; shape: number[]; data: Array<number | boolean | Buffer>; parameters?: object }
export type OipOutputs = Record<string, OipTensor>;
export interface OipDecision { decision: string; unknown: boolean; ood_score: number; reason: string | null }
export interface OipRequestOptions { version?: string; outputs?: string[]; id?: string }

export declare class CerberusError extends Error {
  /** gRPC status name, e.g. "NOT_FOUND". */
  code: string;
  /** The server's message. */
  detail: string;
}

export declare class CerberusClient {
  constructor(target: string, options?: ClientOptions);
  close(): void;
  health(service?: string, options?: CallOptions): Promise<string>;
  listModels(options?: CallOptions): Promise<Array<{ name: string; versions: string[]; input_kind: string; heads: string[] }>>;
  classify(model: string, items: Item[], options?: ClassifyOptions): Promise<Result[]>;
  classifyImages(model: string, images: Buffer[], options?: ClassifyOptions): Promise<Result[]>;
  classifyTexts(model: string, texts: string[], options?: ClassifyOptions): Promise<Result[]>;
  classifyStream(model: string, items: Iterable<Item> | AsyncIterable<Item>, options?: StreamOptions): AsyncGenerator<Result>;
  oipInfer(request: object, options?: CallOptions): Promise<OipOutputs>;
  oipInferBytes(model: string, elements: Array<Buffer | string>, options?: OipRequestOptions & CallOptions): Promise<OipOutputs>;
  oipInferFp32(model: string, values: number[], shape: number[], options?: OipRequestOptions & CallOptions): Promise<OipOutputs>;
  oipStreamInfer(requests: Iterable<object>, options?: { deadlineMs?: number }):
    AsyncGenerator<{ id: string; outputs?: OipOutputs; error?: CerberusError }>;
  oipModelMetadata(name: string, version?: string, options?: CallOptions): Promise<object>;
}

export declare function connect(target: string, options?: ClientOptions): CerberusClient;

export declare const oip: {
  bytesRequest(model: string, elements: Array<Buffer | string>, options?: OipRequestOptions): object;
  imageRequest(model: string, images: Buffer[], options?: OipRequestOptions): object;
  textRequest(model: string, texts: string[], options?: OipRequestOptions): object;
  fp32Request(model: string, values: number[], shape: number[], options?: OipRequestOptions): object;
  decode(response: object): OipOutputs;
  decisions(outputs: OipOutputs): OipDecision[];
};
