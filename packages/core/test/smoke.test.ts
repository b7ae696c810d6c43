import { expect, test } from 'vitest';
import { kilnWith } from './helpers.js';

test('smoke', async () => {
  const { kiln } = await kilnWith({
    plugins: [
      {
        name: 'src',
        source: { name: 's', async *read() { yield { id: '1', text: 'hello', origin: { source: 's' } }; yield { id: '2', text: 'LOUD', origin: { source: 's' } }; } },
        cleaner: { rule: 'caps', clean: (d, ctx) => (d.text === d.text.toUpperCase() ? ctx.drop('caps', 'all caps') : d) },
      },
    ],
  });
  const res = await kiln.run(['data']);
  expect(res.data.metrics).toMatchObject({ docsIn: 2, docsOut: 1 });
});
