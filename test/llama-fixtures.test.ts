// The reference backend against PyTorch (fixtures: scripts/fixtures/llama_fixtures.py).
import { ReferenceBackend } from '@kiln/tensor';
import { describeLlamaFixtures } from './fixtures/llama.js';

describeLlamaFixtures('reference backend', () => new ReferenceBackend());
