import http from 'node:http';
import type { AddressInfo } from 'node:net';

/**
 * A local AI provider speaking the real wire protocols: OpenAI's chat completions (JSON, or SSE
 * chunks ending with `data: [DONE]`) and embeddings, and Anthropic's messages (JSON, or the
 * `message_start` / `content_block_delta` / `message_delta` / `message_stop` events).
 * Mode switches make it fail, throttle or stream slowly, and every request is recorded.
 */
export interface StubBehaviour {
  /** Answer this status (with a JSON error body echoing the key, to prove it never leaks) ... */
  failStatus?: number;
  /** ... for this many requests (Infinity: always). */
  failTimes?: number;
  /** Delay before answering, ms. */
  delayMs?: number;
  /** Words of the answer; each is one streamed chunk. */
  words?: string[];
  /** Delay between streamed chunks, ms. */
  chunkDelayMs?: number;
  /** Leave usage out of answers (the bridge then estimates). */
  noUsage?: boolean;
}

export interface StubRequest {
  path: string;
  headers: http.IncomingHttpHeaders;
  body: any;
}

export interface AiProviderStub {
  url: string;
  requests: StubRequest[];
  behaviour: StubBehaviour;
  /** Streams that ended because the client went away. */
  abortedStreams: number;
  set(b: StubBehaviour): void;
  close(): Promise<void>;
}

export const STUB_INPUT_TOKENS = 12;
const DEFAULT_WORDS = ['Hello', ' from', ' the', ' stub', '.'];
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

export async function startAiProviderStub(): Promise<AiProviderStub> {
  const stub: AiProviderStub = {
    url: '',
    requests: [],
    behaviour: {},
    abortedStreams: 0,
    set(b) {
      this.behaviour = b;
    },
    close: async () => {
      server.closeAllConnections();
      await new Promise<void>((r) => server.close(() => r()));
    },
  };
  let failed = 0;
  const server = http.createServer((req, res) => {
    let raw = '';
    req.on('data', (c) => (raw += c));
    req.on('end', () => {
      let body: any = null;
      try {
        body = raw ? JSON.parse(raw) : null;
      } catch {
        /* recorded as null */
      }
      stub.requests.push({ path: req.url ?? '', headers: req.headers, body });
      void answer(req, res, body);
    });
  });

  async function answer(req: http.IncomingMessage, res: http.ServerResponse, body: any) {
    const b = stub.behaviour;
    if (b.delayMs) await sleep(b.delayMs);
    if (b.failStatus && failed < (b.failTimes ?? Infinity)) {
      failed++;
      const key = String(req.headers.authorization ?? req.headers['x-api-key'] ?? '');
      res.writeHead(b.failStatus, { 'content-type': 'application/json' });
      return void res.end(JSON.stringify({ error: { message: `upstream secret detail, key ${key}` } }));
    }
    if (!b.failStatus || failed >= (b.failTimes ?? Infinity)) failed = 0;
    const words = b.words ?? DEFAULT_WORDS;
    const path = req.url ?? '';
    if (path.endsWith('/chat/completions')) return openAiChat(res, body, words, b);
    if (path.endsWith('/embeddings')) return openAiEmbeddings(res, body, b);
    if (path.endsWith('/v1/messages')) return anthropicMessages(res, body, words, b);
    res.writeHead(404, { 'content-type': 'application/json' });
    res.end('{"error":{"message":"not found"}}');
  }

  async function openAiChat(res: http.ServerResponse, body: any, words: string[], b: StubBehaviour) {
    const usage = { prompt_tokens: STUB_INPUT_TOKENS, completion_tokens: words.length, total_tokens: STUB_INPUT_TOKENS + words.length };
    if (!body?.stream) {
      res.writeHead(200, { 'content-type': 'application/json' });
      return void res.end(
        JSON.stringify({
          id: 'chatcmpl-stub',
          object: 'chat.completion',
          created: Math.floor(Date.now() / 1000),
          model: body?.model,
          choices: [{ index: 0, message: { role: 'assistant', content: words.join('') }, finish_reason: 'stop' }],
          ...(b.noUsage ? {} : { usage }),
        }),
      );
    }
    res.writeHead(200, { 'content-type': 'text/event-stream', 'cache-control': 'no-cache' });
    res.flushHeaders();
    const base = { id: 'chatcmpl-stub', object: 'chat.completion.chunk', created: Math.floor(Date.now() / 1000), model: body.model };
    let closed = false;
    res.on('close', () => {
      if (!res.writableFinished) {
        closed = true;
        stub.abortedStreams++;
      }
    });
    res.write(`data: ${JSON.stringify({ ...base, choices: [{ index: 0, delta: { role: 'assistant', content: '' }, finish_reason: null }] })}\n\n`);
    for (const w of words) {
      if (b.chunkDelayMs) await sleep(b.chunkDelayMs);
      if (closed) return;
      res.write(`data: ${JSON.stringify({ ...base, choices: [{ index: 0, delta: { content: w }, finish_reason: null }] })}\n\n`);
    }
    res.write(`data: ${JSON.stringify({ ...base, choices: [{ index: 0, delta: {}, finish_reason: 'stop' }] })}\n\n`);
    if (!b.noUsage && body.stream_options?.include_usage) res.write(`data: ${JSON.stringify({ ...base, choices: [], usage })}\n\n`);
    res.end('data: [DONE]\n\n');
  }

  function openAiEmbeddings(res: http.ServerResponse, body: any, b: StubBehaviour) {
    const inputs: string[] = Array.isArray(body?.input) ? body.input : [String(body?.input ?? '')];
    res.writeHead(200, { 'content-type': 'application/json' });
    res.end(
      JSON.stringify({
        object: 'list',
        model: body?.model,
        data: inputs.map((t, index) => ({ object: 'embedding', index, embedding: [t.length, 0.5, -0.25] })),
        ...(b.noUsage ? {} : { usage: { prompt_tokens: inputs.length * 3, total_tokens: inputs.length * 3 } }),
      }),
    );
  }

  async function anthropicMessages(res: http.ServerResponse, body: any, words: string[], b: StubBehaviour) {
    const usage = { input_tokens: STUB_INPUT_TOKENS, output_tokens: words.length };
    if (!body?.stream) {
      res.writeHead(200, { 'content-type': 'application/json' });
      return void res.end(
        JSON.stringify({
          id: 'msg_stub',
          type: 'message',
          role: 'assistant',
          model: body?.model,
          content: [{ type: 'text', text: words.join('') }],
          stop_reason: 'end_turn',
          usage,
        }),
      );
    }
    res.writeHead(200, { 'content-type': 'text/event-stream', 'cache-control': 'no-cache' });
    res.flushHeaders();
    let closed = false;
    res.on('close', () => {
      if (!res.writableFinished) {
        closed = true;
        stub.abortedStreams++;
      }
    });
    const send = (event: string, data: unknown) => res.write(`event: ${event}\ndata: ${JSON.stringify(data)}\n\n`);
    send('message_start', { type: 'message_start', message: { id: 'msg_stub', type: 'message', role: 'assistant', content: [], model: body.model, usage: { input_tokens: STUB_INPUT_TOKENS, output_tokens: 1 } } });
    send('content_block_start', { type: 'content_block_start', index: 0, content_block: { type: 'text', text: '' } });
    send('ping', { type: 'ping' });
    for (const w of words) {
      if (b.chunkDelayMs) await sleep(b.chunkDelayMs);
      if (closed) return;
      send('content_block_delta', { type: 'content_block_delta', index: 0, delta: { type: 'text_delta', text: w } });
    }
    send('content_block_stop', { type: 'content_block_stop', index: 0 });
    send('message_delta', { type: 'message_delta', delta: { stop_reason: 'end_turn', stop_sequence: null }, usage: { output_tokens: words.length } });
    send('message_stop', { type: 'message_stop' });
    res.end();
  }

  await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
  stub.url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return stub;
}
