// Writes data/heldout-zh.txt: Song-dynasty poems (全宋诗, chinese-poetry@2.0.1, MIT) from the last
// file of the collection, converted to Simplified. Training reads Tang poems only (the first files),
// so none of these lines is seen in training. Run: npx tsx scripts/make-heldout.ts
import { writeFileSync } from 'node:fs';
import { fetchNpmTarball, tarballFiles, traditionalToSimplified } from '@kiln/data';

const WANT_CHARS = 12_000;
const toSimplified = traditionalToSimplified('t', 'cn');
const tgz = await fetchNpmTarball('chinese-poetry@2.0.1');
const files: { path: string; data: Buffer }[] = [];
for await (const f of tarballFiles(tgz, (p) => /^package\/dist\/quantangshi\/poet\.song\.\d+\.json$/.test(p)))
  files.push(f);
files.sort((a, b) => a.path.localeCompare(b.path, 'en', { numeric: true }));
const poems = JSON.parse(files[files.length - 1].data.toString('utf8')) as {
  title?: string;
  author?: string;
  paragraphs?: string[];
}[];
let out = '';
for (const poem of poems) {
  if (!poem.paragraphs?.length) continue;
  out += `${toSimplified(`${poem.title ?? ''}\n${poem.author ?? ''}\n${poem.paragraphs.join('\n')}`)}\n\n`;
  if (out.length >= WANT_CHARS) break;
}
writeFileSync(new URL('../data/heldout-zh.txt', import.meta.url), out);
console.log(`${files[files.length - 1].path}: ${out.length} characters`);
