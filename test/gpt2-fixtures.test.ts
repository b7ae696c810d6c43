// The reference backend against PyTorch (fixtures: scripts/fixtures/gpt2_fixtures.py).
import { ReferenceBackend } from '@kiln/tensor';
import { describeGpt2Fixtures } from './fixtures/gpt2.js';

describeGpt2Fixtures('reference backend', () => new ReferenceBackend());
