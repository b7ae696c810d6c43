import { once } from 'node:events';
import type { ServerResponse } from 'node:http';

/** Server-sent events as OpenAI streams them: `data: <json>\n\n`, ending with `data: [DONE]`. */
export class SseWriter {
  constructor(private readonly res: ServerResponse) {}

  open(): void {
    this.res.writeHead(200, {
      'content-type': 'text/event-stream; charset=utf-8',
      'cache-control': 'no-cache',
      connection: 'keep-alive',
      'x-accel-buffering': 'no',
    });
  }

  /** Writes one event, waiting for the socket to drain when its buffer is full. */
  async send(data: unknown): Promise<void> {
    if (this.res.destroyed) return;
    if (!this.res.write(`data: ${typeof data === 'string' ? data : JSON.stringify(data)}\n\n`)) {
      await Promise.race([once(this.res, 'drain'), once(this.res, 'close')]);
    }
  }

  async done(): Promise<void> {
    await this.send('[DONE]');
    this.res.end();
  }

  end(): void {
    if (!this.res.destroyed) this.res.end();
  }
}
