/**
 * Worker thread of EncodePool: rebuilds the tokenizer from its tokenizer.json and
 * encodes the batches it is sent, returning Int32Arrays by transfer.
 */

import { parentPort, workerData } from 'node:worker_threads';
import { BpeTokenizer } from './bpe-tokenizer.js';
import { fromHfJson } from './hf-import.js';

const tok = fromHfJson(workerData.json, 'encode worker');

parentPort!.on('message', (msg: { id: number; texts: string[]; allowSpecial: boolean }) => {
  try {
    const results = msg.texts.map((t) =>
      tok instanceof BpeTokenizer
        ? tok.encodeToInt32(t, { allowSpecial: msg.allowSpecial })
        : Int32Array.from(tok.encode(t, { allowSpecial: msg.allowSpecial })),
    );
    parentPort!.postMessage(
      { id: msg.id, results },
      results.map((r) => r.buffer as ArrayBuffer),
    );
  } catch (e) {
    parentPort!.postMessage({ id: msg.id, error: (e as Error).message });
  }
});
