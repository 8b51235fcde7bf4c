import { ApiError } from '@kg/web-ui';
import { api } from '../session';
import type { Row } from './index';

/**
 * Asks the assistant with the answer streamed (POST …/messages/stream, server-sent events read
 * from fetch's body, since EventSource cannot POST or send the token): each piece goes to
 * `onDelta` as it arrives; resolves with the stored answer. A refusal before the stream (402,
 * 429, 503) is an ApiError like any other call's.
 */
export async function askStreaming(conversationId: number, content: string, onDelta: (piece: string) => void): Promise<Row> {
  const send = () =>
    fetch(`/api/ai/conversations/${conversationId}/messages/stream`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', accept: 'text/event-stream', authorization: `Bearer ${api.token() ?? ''}` },
      body: JSON.stringify({ content }),
    });
  let res = await send();
  if (res.status === 401) {
    await api.get('/api/me'); // refreshes the session once (or signs out)
    res = await send();
  }
  if (!res.ok || !res.body) {
    const env = (await res.json().catch(() => null)) as { error?: { code: string; message: string } } | null;
    throw new ApiError(res.status, env?.error?.code ?? 'HTTP_ERROR', env?.error?.message ?? `HTTP ${res.status}`);
  }
  const reader = res.body.getReader();
  const decoder = new TextDecoder();
  let buffer = '';
  for (;;) {
    const { value, done } = await reader.read();
    if (done) break;
    buffer += decoder.decode(value, { stream: true });
    let end: number;
    while ((end = buffer.indexOf('\n\n')) >= 0) {
      const raw = buffer.slice(0, end).replace(/^data: /, '');
      buffer = buffer.slice(end + 2);
      const event = JSON.parse(raw) as { type: string; content?: string; answer?: Row; error?: { code: string; message: string } };
      if (event.type === 'delta' && event.content) onDelta(event.content);
      if (event.type === 'done' && event.answer) return event.answer;
      if (event.type === 'error') throw new ApiError(503, event.error?.code ?? 'AI_UNAVAILABLE', event.error?.message ?? 'AI unavailable');
    }
  }
  throw new ApiError(503, 'AI_UNAVAILABLE', 'The answer stopped before it was complete');
}
