// The reference backend against PyTorch (fixtures: scripts/fixtures/bert_fixtures.py).
import { ReferenceBackend } from '@kiln/tensor';
import { describeBertFixtures } from './fixtures/bert.js';

describeBertFixtures('reference backend', () => new ReferenceBackend());
