import { quantizeMatrix, transpose } from '@kiln/compress';
import { type QuantizableEngine, uploadQuantized } from '@kiln/tensor';

/** Every matrix of an engine group-quantized in place, as `quantize()` of @kiln/compress does it. */
export async function quantizeEngine(m: QuantizableEngine, o: { bits: 4 | 8; group: number }): Promise<void> {
  for (const [name, w] of [...m.linears()]) {
    if (w.kind !== 'dense') continue;
    const v = w.w;
    const data = (await m.backend.read(
      'buf' in v ? v.buf : v,
      'buf' in v ? v.offset : 0,
      w.inFeatures * w.outFeatures,
    )) as Float32Array;
    const outIn = w.layout === 'in-out' ? transpose(data, w.inFeatures, w.outFeatures) : Float32Array.from(data);
    const host = quantizeMatrix(outIn, w.outFeatures, w.inFeatures, o);
    m.replaceLinear(name, uploadQuantized(m.backend, host, w.outFeatures, w.inFeatures, w.bias));
  }
}
