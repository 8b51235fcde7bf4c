import { onBeforeUnmount, ref } from 'vue';
import { lifecycleApi, type TenantProgress } from '../apis/lifecycle';

export type StreamState = 'connecting' | 'live' | 'reconnecting' | 'ended';

/**
 * Live provisioning progress over server-sent events (docs/console.md, Live progress).
 * EventSource cannot send an Authorization header, so each connection opens with a short-lived
 * ticket bought with the access token. The browser's own reconnect sends Last-Event-ID; when the
 * ticket has expired by then the stream is reopened with a new ticket and the last event id, so
 * the server resumes instead of repeating. The stream ends by itself at active or failed.
 */
export function useProgressStream(code: string, onEnd: (p: TenantProgress | null) => void) {
  const progress = ref<TenantProgress | null>(null);
  const state = ref<StreamState>('connecting');
  let source: EventSource | null = null;
  let lastEventId = '';
  let stopped = false;
  let retryTimer: ReturnType<typeof setTimeout> | undefined;

  async function open() {
    if (stopped) return;
    try {
      const { ticket } = await lifecycleApi.streamTicket(code);
      if (stopped) return;
      const url = lifecycleApi.streamUrl(code, ticket) + (lastEventId ? `&lastEventId=${encodeURIComponent(lastEventId)}` : '');
      source = new EventSource(url);
    } catch {
      schedule();
      return;
    }
    source.addEventListener('open', () => (state.value = 'live'));
    source.addEventListener('progress', (e) => {
      const ev = e as MessageEvent<string>;
      lastEventId = ev.lastEventId || lastEventId;
      progress.value = JSON.parse(ev.data) as TenantProgress;
      state.value = 'live';
    });
    source.addEventListener('end', () => {
      close();
      state.value = 'ended';
      onEnd(progress.value);
    });
    source.addEventListener('error', () => {
      if (stopped || state.value === 'ended') return;
      state.value = 'reconnecting';
      // CLOSED means the browser gave up (e.g. the ticket expired): reopen with a new ticket.
      if (source?.readyState === EventSource.CLOSED) {
        close();
        schedule();
      }
    });
  }
  function schedule() {
    clearTimeout(retryTimer);
    retryTimer = setTimeout(() => void open(), 1500);
  }
  function close() {
    source?.close();
    source = null;
  }
  function stop() {
    stopped = true;
    clearTimeout(retryTimer);
    close();
  }
  /** Opens the stream again (after a retry started a new pipeline run). */
  function restart() {
    stop();
    stopped = false;
    lastEventId = '';
    state.value = 'connecting';
    void open();
  }
  onBeforeUnmount(stop);
  void open();
  return { progress, state, stop, restart };
}
