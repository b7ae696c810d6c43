/**
 * Everything a plugin may provide, in one interface (as Rollup and Vite do).
 *
 * A plugin is a plain object returned by a factory:
 *
 *   export default function myCleaner(options = {}): KilnPlugin {
 *     return { name: 'my-cleaner', cleaner: { rule: 'shouting', clean(doc, ctx) { ... } } };
 *   }
 *
 * Each hook's line says its kind:
 *   first       the first plugin that answers provides it (bail)
 *   sequential  plugins run in order, each receiving the previous result (waterfall)
 *   series      all run in order, each adds its part
 *   parallel    all run at once (lifecycle listeners)
 * Order is decided by `enforce` ('pre' | normal | 'post'), then by named stages
 * (`CLEAN_STAGE`), then by position in the config.
 */
import type { Backend, Collective, GgufConversion, ModelEngine, Rng } from '@kiln/tensor';

export type Awaitable<T> = T | Promise<T>;

/** Stages of the pipeline, in the order `kiln run` executes them. */
export const STAGES = [
  'data',
  'tokenizer',
  'encode',
  'train',
  'finetune',
  'align',
  'eval',
  'compress',
  'export',
] as const;
export type StageName = (typeof STAGES)[number];

/** Named stages that order cleaners (webpack's PROCESS_ASSETS_STAGE_* idea). */
export const CLEAN_STAGE = {
  /** Unicode normalization, whitespace and control characters. */
  NORMALIZE: 100,
  /** Script conversion (Traditional → Simplified Chinese). */
  CONVERT: 200,
  /** Quality rules and language identification. */
  FILTER: 300,
  /** Exact and near-duplicate removal. */
  DEDUP: 400,
  /** PII masking and other rewriting of kept documents. */
  REDACT: 500,
} as const;

// ---------------------------------------------------------------------------
// Data

/** One document flowing through the pipeline. */
export interface Doc {
  /** Stable id, e.g. `sotu:12` or `file.jsonl:4031`. */
  id: string;
  text: string;
  /** Where it came from, kept for the data report. */
  origin: { source: string; file?: string; line?: number; row?: number };
  meta?: Record<string, unknown>;
}

/** What a cleaner returns to drop a document: the rule's name and why. */
export interface Dropped {
  readonly dropped: true;
  rule: string;
  detail?: string;
  /** For duplicates: the id of the document it duplicates. */
  duplicateOf?: string;
}

export interface SourceHook {
  /** Shown in the manifest and the report. */
  name: string;
  /** A stream, so a corpus larger than memory is read in constant memory. */
  read(ctx: KilnContext): AsyncIterable<Doc>;
}

export interface CleanerHook {
  /** The rule name that appears in the report for every drop. */
  rule: string;
  /** A CLEAN_STAGE value (or any number); lower runs first. */
  stage?: number;
  /** Map or drop one document. */
  clean(doc: Doc, ctx: KilnContext): Awaitable<Doc | Dropped>;
  /** Called once at the end of the stream: extra report data (clusters, histograms). */
  finish?(ctx: KilnContext): Awaitable<Record<string, unknown> | void>;
  /**
   * How the data stage may spread this cleaner over threads and machines. Unset: it runs on
   * the coordinating thread in input order (always correct, never parallel).
   * 'document': clean() looks at its document alone, and finish() returns counts so far
   * (objects of numbers, callable any time), which the stage sums over workers, keys sorted.
   * A CleanerSplit: state across documents (dedup), split into a part any worker runs and an
   * in-order decision.
   */
  parallel?: 'document' | CleanerSplit;
}

/** A cleaner with state across documents, split so that its costly part runs anywhere. */
export interface CleanerSplit<Summary = unknown> {
  /** On any worker, in any order: what the decision needs (a hash, a signature). Pure; structured-cloneable. */
  summarize(doc: Doc, ctx: KilnContext): Awaitable<Summary>;
  /** On the coordinator, in input order: a drop, or undefined to keep the document unchanged. finish() reports this state. */
  decide(doc: Doc, summary: Summary, ctx: KilnContext): Awaitable<Dropped | undefined>;
}

/**
 * One cleaner of the data stage's chain as core calls it: failures name the plugin and the rule,
 * the plugin gets its own context (pass the run's), and what the cleaner returns is checked.
 */
export interface CleaningStep {
  /** Position in the chain (enforce, then CLEAN_STAGE, then config order). */
  readonly index: number;
  readonly rule: string;
  /** Its CLEAN_STAGE, as the report shows it. */
  readonly stage: number;
  readonly plugin: Pick<KilnPlugin, 'name' | 'version'>;
  /** CleanerHook.parallel: 'split' for a CleanerSplit; undefined runs in input order on one thread. */
  readonly parallel?: 'document' | 'split';
  clean(doc: Doc, ctx: KilnContext): Promise<Doc | Dropped>;
  finish?(ctx: KilnContext): Promise<Record<string, unknown> | undefined>;
  /** A split's two halves (parallel 'split' only). */
  summarize?(doc: Doc, ctx: KilnContext): Promise<unknown>;
  decide?(doc: Doc, summary: unknown, ctx: KilnContext): Promise<Dropped | undefined>;
}

/** The data report's per-rule counts, which every runner records into. */
export interface CleaningReport {
  /** The step's rule passed a document: `charsIn` characters in, `charsOut` out. */
  kept(step: CleaningStep, charsIn: number, charsOut: number): void;
  /** The step's rule dropped a document of `charsIn` characters; `doc.text` holds at least its first 161 (the excerpt). */
  dropped(step: CleaningStep, doc: { id: string; text: string }, charsIn: number, drop: Dropped): void;
}

/** What a data runner is given. */
export interface CleaningRun {
  /** The sources' documents, in order, read once. */
  docs: AsyncIterable<Doc>;
  chain: readonly CleaningStep[];
  report: CleaningReport;
  /** Core's in-process runner over `docs`: every document through the chain on this thread (what one thread should use). */
  inProcess(docs: AsyncIterable<Doc>): CleanedDocs;
}

/** A data runner's output. */
export interface CleanedDocs {
  /** The kept documents in input order, a batch at a time, each with how many source documents it covers. */
  batches: AsyncIterable<{ kept: Doc[]; read: number }>;
  /**
   * After the last batch: finish() extras by chain index for the cleaners whose finish() on this
   * thread did not see every document (per-document cleaners that ran elsewhere: their summed counts).
   */
  extras?(): Record<number, unknown>;
  /** Releases what the runner holds (threads, connections); core calls it once, after the batches or on a failure. */
  close?(): Promise<void>;
}

/**
 * Runs the cleaning chain elsewhere than core's in-process runner (threads, machines) and writes
 * the same bytes: kept documents, report and extras equal the in-process runner's.
 */
export interface DataRunnerProvider {
  /** Requested by `data.runner`; core's own runner is 'in-process'. */
  name: string;
  /**
   * The schema of the `data` section's options it reads (minus `runner`), checked when the config
   * loads. They say where the work runs, not what it makes, so they leave the stage's cache key.
   */
  options?: StandardSchemaV1;
  /** `options`: the checked `data` section minus `runner`; `ctx`: the run's (its log lines are the data stage's). */
  run(input: CleaningRun, options: Record<string, unknown>, ctx: KilnContext): Awaitable<CleanedDocs>;
}

// ---------------------------------------------------------------------------
// Tokenizer

export interface Tokenizer {
  /** Plugin name that made it, e.g. 'kiln:bpe'. */
  readonly type: string;
  readonly vocabSize: number;
  /** Special tokens and their ids, e.g. { '<|endoftext|>': 50256 }. */
  readonly specialTokens: Readonly<Record<string, number>>;
  /** Id that separates documents (end of text). */
  readonly eosId: number;
  encode(text: string, options?: { allowSpecial?: boolean }): number[];
  decode(ids: ArrayLike<number>): string;
  /** Content hash: stamped into shards and checkpoints, checked on load. */
  hash(): string;
  /** Hugging Face tokenizer.json content. */
  toJSON(): unknown;
}

export interface TokenizerProvider {
  /** Requested by `tokenizer.type` in the config, e.g. 'bpe', 'wordpiece'. */
  name: string;
  /** Options schema for the config's `tokenizer` section (Standard Schema, e.g. zod). */
  options?: StandardSchemaV1;
  train(docs: AsyncIterable<Doc>, options: Record<string, unknown>, ctx: KilnContext): Promise<Tokenizer>;
  /**
   * The vocabulary size training with these options gives, when it is known before
   * training (a byte-level tokenizer's is fixed): core checks model.vocabSize against
   * it when the config loads. Without it, the section's `vocabSize` stands in.
   */
  vocabSize?(options: Record<string, unknown>): number | undefined;
  /** Load from a directory holding tokenizer.json (or other files it understands); undefined if not its format. */
  load(dir: string, ctx: KilnContext): Promise<Tokenizer | undefined>;
}

// ---------------------------------------------------------------------------
// Models, trainers, backends

export interface ArchitectureProvider<Model = unknown> {
  /** Requested by `model.architecture`, e.g. 'gpt2', 'llama', 'bert'. */
  name: string;
  /**
   * The schema of the config's `model` section (minus `architecture`), e.g. zod's; core
   * checks it when the config loads, so a typo fails before any stage with a did-you-mean.
   */
  options: StandardSchemaV1;
  /** A freshly initialised model for `model` options, on the given backend. */
  create(options: Record<string, unknown>, backend: Backend, ctx: KilnContext): Awaitable<Model>;
  /** Load a model saved in a directory (config.json + model.safetensors). */
  load?(dir: string, backend: Backend, ctx: KilnContext): Promise<Model | undefined>;
  /** Save a model to a directory that `load` reads back (the compress stage saves its result this way). */
  save?(model: Model, dir: string, ctx: KilnContext): Promise<string[]>;
  /**
   * first · The inference engine over one of this architecture's models (what create,
   * load or engine itself returned), on the model's own weights; undefined for a model
   * it did not make. Eval, generate, serve and compress run models through it.
   */
  engine(model: unknown): ModelEngine | undefined;
  /** Its llama.cpp layout, for the GGUF exporter; absent when llama.cpp has none. */
  gguf?: GgufConversion;
}

export interface StageResult {
  /** Metrics to show in the summary and the report. */
  metrics?: Record<string, number>;
  /** Files the stage produced, relative to the run directory. */
  outputs?: string[];
  /**
   * The model directory this stage produced (config.json + weights), relative
   * to the run directory. The latest one is recorded in state.json, and the
   * eval, compress and export stages load it.
   */
  modelDir?: string;
  [key: string]: unknown;
}

export interface TrainerProvider {
  /** Requested by `<stage>.trainer`, e.g. 'causal-lm', 'mlm', 'sft', 'dpo', 'grpo'. */
  name: string;
  /** The stage it serves. */
  stage: 'train' | 'finetune' | 'align';
  options?: StandardSchemaV1;
  /**
   * Runs data-parallel under mpirun: every rank runs it and it synchronises through
   * `ctx.collective`. Otherwise (the default) rank 0 runs the stage alone while the others wait.
   */
  distributed?: boolean;
  run(options: Record<string, unknown>, ctx: KilnContext): Promise<StageResult>;
}

export interface EncoderProvider {
  name: string;
  options?: StandardSchemaV1;
  /** Cleaned documents → token shards in the run directory. */
  run(options: Record<string, unknown>, ctx: KilnContext): Promise<StageResult>;
}

/** A command a plugin adds to the `kiln` CLI: `kiln <name> [args] [options]`, listed by `kiln --help` with the plugin's name. */
export interface CommandProvider {
  name: string;
  /** One line for `kiln --help`. */
  description: string;
  /** Positional arguments in commander's syntax, e.g. ['<file>', '[out]']. */
  arguments?: readonly string[];
  /** Options, e.g. { flags: '-n, --count <n>', description: 'how many' }; values arrive as strings (or booleans for flags). */
  options?: ReadonlyArray<{ flags: string; description: string; default?: string | boolean }>;
  /** Runs the command in the config's run; the number returned is the exit code (default 0). */
  run(args: string[], options: Record<string, unknown>, ctx: CommandContext): Awaitable<number | void>;
}

/** What a plugin command receives: the run's context, the folder it was typed in, and stdout. */
export interface CommandContext extends KilnContext {
  /** Where the command was typed: paths given on its command line are relative to it. */
  readonly cwd: string;
  /** Writes to standard output (a command's result; logs go to ctx.logger, on stderr). */
  print(text: string): void;
}

/**
 * A chat template as Hugging Face's tokenizer_config.json carries it: Jinja over
 * `messages`, `add_generation_prompt`, `bos_token` and `eos_token`. The finetune
 * stage renders it (with @kiln/finetune, on @huggingface/jinja) and masks the
 * loss to what the assistant turns add; the model directory carries it to serving.
 */
export interface ChatTemplateProvider {
  /** Requested by `finetune.chatTemplate` / `align.chatTemplate`, e.g. 'chatml', 'llama3'. */
  name: string;
  /** The Jinja source. */
  jinja: string;
  /** Special tokens the template writes; each must be ONE special token of the tokenizer. */
  specialTokens: readonly string[];
  /** The token that ends an assistant turn: trained with the reply, so the model learns to stop. */
  endOfTurn: string;
  /** What `{{ bos_token }}` / `{{ eos_token }}` print (default ''). */
  bosToken?: string;
  eosToken?: string;
}

export interface BackendProvider {
  /** 'js' | 'wasm' | 'webgpu' or a third-party name. */
  name: string;
  /** For `backend: 'auto'`: higher wins among available backends. */
  priority: number;
  /**
   * The schema of what it reads from the config's `backendOptions` (threads...), its one door:
   * checked when the config loads, unknown keys with a did-you-mean. Under 'auto' each installed
   * backend gets the keys its schema declares. The methods below receive them checked.
   */
  options?: StandardSchemaV1;
  /** True when usable here, or a string saying why not (shown by `kiln doctor`). */
  available(ctx: KilnContext, options: Record<string, unknown>): Promise<true | string>;
  create(options: Record<string, unknown>, ctx: KilnContext): Promise<Backend>;
  /** Lines for `kiln doctor`. */
  describe?(ctx: KilnContext, options: Record<string, unknown>): Promise<Record<string, unknown>>;
}

// ---------------------------------------------------------------------------
// Rewards, evaluation, compression, export

export interface RewardInput {
  prompt: string;
  completion: string;
  /** Task-specific fields, e.g. the expected answer. */
  meta?: Record<string, unknown>;
}

export interface RewardFunction {
  name: string;
  /** Weight in the sum of rewards (default 1). */
  weight?: number;
  score(input: RewardInput, ctx: KilnContext): Awaitable<number>;
}

export interface Evaluator<Model = unknown> {
  name: string;
  /** Scores keyed by metric name, e.g. { 'val/ppl': 12.3 }. */
  evaluate(model: Model, ctx: KilnContext): Promise<Record<string, number>>;
}

export interface Compressor<Model = unknown> {
  name: string;
  /** Returns the compressed model (may be the same object, modified). */
  compress(model: Model, ctx: KilnContext): Promise<Model>;
}

export interface Exporter<Model = unknown> {
  name: string;
  /** e.g. 'huggingface', 'gguf'. */
  format: string;
  export(model: Model, outDir: string, ctx: KilnContext): Promise<string[]>;
}

// ---------------------------------------------------------------------------
// Lifecycle payloads

export interface StepInfo {
  stage: StageName;
  step: number;
  totalSteps: number;
  loss: number;
  lr: number;
  tokensPerSecond?: number;
  [key: string]: unknown;
}

export interface EvalInfo {
  stage: StageName;
  step: number;
  metrics: Record<string, number>;
}

export interface CheckpointInfo {
  stage: StageName;
  step: number;
  /** Directory of the checkpoint, inside the run directory. */
  dir: string;
}

// ---------------------------------------------------------------------------
// The plugin

export interface KilnPlugin<Api = unknown> {
  /** Shown in errors, the report and the manifest, e.g. 'kiln:bpe' or 'kiln-plugin-foo'. */
  name: string;
  version?: string;
  /** Run before or after normal plugins. */
  enforce?: 'pre' | 'post';
  /** Other plugins reach this through ctx.plugin(name).api. */
  api?: Api;
  /**
   * What changes this plugin's output besides its name and version, as JSON
   * (usually the factory's options). `kiln run` skips a stage as up to date only
   * while it is unchanged; without one, the config file's text stands in.
   */
  cacheKey?: unknown;

  /** sequential · configure: return a partial config to deep-merge (before freeze). */
  config?(config: UserConfig, env: ConfigEnv): Awaitable<UserConfig | void | null>;
  /** parallel · the config is final and frozen. */
  configResolved?(config: ResolvedConfig): Awaitable<void>;

  /** series · each source adds its stream; streams are read one after another. */
  source?: SourceHook | SourceHook[];
  /** sequential · each document passes every cleaner in stage order; a drop stops it. */
  cleaner?: CleanerHook | CleanerHook[];
  /** first · by `data.runner`: where the cleaning chain runs (threads, a queue); without one, core's in-process runner. */
  dataRunner?: DataRunnerProvider;
  /** first · encodes cleaned documents into token shards. */
  encoder?: EncoderProvider;
  /** first · by `tokenizer.type`. */
  tokenizer?: TokenizerProvider | TokenizerProvider[];
  /** first · by `model.architecture`. */
  architecture?: ArchitectureProvider | ArchitectureProvider[];
  /** first · by `<stage>.trainer`. */
  trainer?: TrainerProvider | TrainerProvider[];
  /** series · each plugin's commands join the `kiln` CLI (a name the CLI or another plugin has is refused). */
  command?: CommandProvider | CommandProvider[];
  /** first · by `finetune.chatTemplate` / `align.chatTemplate` name (before the built-in ChatML and Llama-3). */
  chatTemplate?: ChatTemplateProvider | ChatTemplateProvider[];
  /** first · by `backend` name, or the highest-priority available one for 'auto'. */
  backend?: BackendProvider;
  /** series · every reward scores; the weighted sum is the reward. */
  reward?: RewardFunction | RewardFunction[];
  /** series · every evaluator adds its scores. */
  evaluator?: Evaluator | Evaluator[];
  /** sequential · each compressor receives the previous one's model. */
  compressor?: Compressor | Compressor[];
  /** series · each exporter writes its format. */
  exporter?: Exporter | Exporter[];

  /** parallel · lifecycle listeners (loggers, progress, early stopping). */
  onRunStart?(ctx: KilnContext): Awaitable<void>;
  onStageStart?(stage: StageName, ctx: KilnContext): Awaitable<void>;
  onStageEnd?(stage: StageName, result: StageResult, ctx: KilnContext): Awaitable<void>;
  onStep?(info: StepInfo, ctx: KilnContext): Awaitable<void>;
  onEval?(info: EvalInfo, ctx: KilnContext): Awaitable<void>;
  onCheckpoint?(info: CheckpointInfo, ctx: KilnContext): Awaitable<void>;
  onRunEnd?(result: Record<string, StageResult>, ctx: KilnContext): Awaitable<void>;
}

// ---------------------------------------------------------------------------
// Services a hook receives through its context

export interface Logger {
  debug(message: string, data?: Record<string, unknown>): void;
  info(message: string, data?: Record<string, unknown>): void;
  warn(message: string, data?: Record<string, unknown>): void;
  error(message: string, data?: Record<string, unknown>): void;
}

export interface RunDir {
  /** Absolute path of the run directory. */
  readonly root: string;
  /** Absolute path of a file or folder inside it. */
  path(...parts: string[]): string;
  /** Write through a temporary file and rename, so a crash never leaves half a file. */
  writeAtomic(relPath: string, data: string | Uint8Array): Promise<void>;
  writeJson(relPath: string, value: unknown): Promise<void>;
  readJson<T = unknown>(relPath: string): Promise<T | undefined>;
  exists(relPath: string): boolean;
}

export interface MetricsSink {
  /** Appends one JSON line to metrics.jsonl (with time and stage added). */
  write(record: Record<string, unknown>): void;
  /**
   * A resumed run continues after checkpoint `step`: drops this stage's step, eval and
   * checkpoint records after that step written since the stage last finished (the killed
   * run logged them; the resumed run logs them again) and notes the resume. Returns how many it dropped.
   * `rewind(-1)`: the stage starts over from step 0, so its evaluation before the first step goes too.
   */
  rewind(step: number): number;
}

/** Seeded, serialisable random numbers (for exact resume): @kiln/tensor's, which core's createRng makes. */
export type { Rng };

export interface ProgressHandle {
  update(done: number, fields?: Record<string, string | number>): void;
  increment(by?: number, fields?: Record<string, string | number>): void;
  stop(): void;
}

export interface KilnContext {
  readonly config: ResolvedConfig;
  readonly logger: Logger;
  readonly runDir: RunDir;
  readonly metrics: MetricsSink;
  readonly rng: Rng;
  /** Aborted on Ctrl-C: long loops check it and checkpoint before returning. */
  readonly signal: AbortSignal;
  /** The stage being run, when inside one. */
  readonly stage?: StageName;
  /**
   * The stage's fingerprint, when inside one: its config sections, its plugins' cache keys and its
   * inputs (stage-cache.ts). A trainer writes it into its checkpoints and resumes only from its own.
   */
  readonly fingerprint?: string;
  /** The backend chosen by `config.backend` (created once per run, on first use). */
  backend(): Promise<Backend>;
  /**
   * The processes training together: under `mpirun -np N`, MPI_COMM_WORLD (rank 0 writes, the
   * others' logger, metrics and run-directory writes are dropped); otherwise one process. Only a
   * stage that runs on every rank (a `distributed` trainer's) may call it.
   */
  readonly collective: Collective;
  /** A progress bar (quiet when not a TTY or with --json). */
  progress(label: string, total: number): ProgressHandle;
  /** Another plugin's declared api. Throws naming the plugin when missing. */
  plugin<Api = unknown>(name: string): Api;
  /** The other hook points, for stages that compose them (a trainer asking for the architecture). */
  readonly hooks: KilnHooksFacade;
  /** Build a Dropped value for a cleaner. */
  drop(rule: string, detail?: string, duplicateOf?: string): Dropped;
}

/** What a stage implementation may call on the other hook points. */
export interface KilnHooksFacade {
  tokenizer(type?: string): TokenizerProvider;
  architecture(name: string): ArchitectureProvider;
  trainer(name: string, stage: StageName): TrainerProvider;
  /** The chat template a plugin provides under `name`, or undefined when none does. */
  chatTemplate(name: string): ChatTemplateProvider | undefined;
  rewards(): RewardFunction[];
  reward(input: RewardInput): Promise<{ total: number; parts: Record<string, number> }>;
  evaluators(): Evaluator[];
  /** Calls every onStep listener and appends the step to metrics.jsonl (so do emitEval and emitCheckpoint). */
  emitStep(info: StepInfo): Promise<void>;
  emitEval(info: EvalInfo): Promise<void>;
  emitCheckpoint(info: CheckpointInfo): Promise<void>;
  /** The tokenizer saved in `dir` (default: the run's tokenizer/), loaded by the first provider that recognises it. */
  loadTokenizer(dir?: string): Promise<Tokenizer>;
  /** The model saved in `dir` (default: the run's latest model), loaded by the first architecture that recognises it. */
  loadModel(dir?: string): Promise<{ model: unknown; architecture: ArchitectureProvider }>;
  /** The engine over `model` from the first architecture that recognises it; an error naming the plugin `who` when none does. */
  engine(model: unknown, who: string): ModelEngine;
}

// ---------------------------------------------------------------------------
// Configuration

/** A plugin, a package name ('kiln-plugin-foo'), [name, options], nested arrays, or falsy to skip. */
export type PluginOption =
  | KilnPlugin
  | string
  | [string, Record<string, unknown>]
  | false
  | null
  | undefined
  | PluginOption[]
  | Promise<PluginOption>;

export type BackendName = 'auto' | 'native' | 'wasm' | 'webgpu' | 'js' | (string & {});

export interface StageOptions {
  /** Which provider runs the stage (trainer name, encoder name...). */
  trainer?: string;
  [key: string]: unknown;
}

export interface UserConfig {
  /** Run name; the run directory defaults to `runs/<name>`. */
  name?: string;
  runDir?: string;
  seed?: number;
  backend?: BackendName;
  backendOptions?: Record<string, unknown>;
  plugins?: PluginOption[];
  /** Stages `kiln run` executes, in pipeline order (default: every stage that has a section). */
  stages?: StageName[];
  /** `runner` names the data runner (default: the first a plugin provides, else @kiln/data-runner when installed, else 'in-process'). */
  data?: StageOptions & { runner?: string };
  tokenizer?: { type?: string; [key: string]: unknown };
  /** `encoder` names the encoder plugin to use (default: the first one). */
  encode?: StageOptions & { encoder?: string };
  model?: { architecture?: string; [key: string]: unknown };
  train?: StageOptions;
  finetune?: StageOptions;
  align?: StageOptions;
  eval?: StageOptions;
  compress?: StageOptions;
  export?: StageOptions;
  serve?: StageOptions;
}

export interface ConfigEnv {
  /** The CLI command being run, e.g. 'train'. */
  command: string;
  /** 'development' unless NODE_ENV says otherwise. */
  mode: string;
  /** What the machine offers (cores, GPU adapter found). */
  machine: { cpus: number; platform: string; arch: string; memoryGiB: number };
  env: Record<string, string | undefined>;
}

export interface ResolvedConfig extends Readonly<Omit<UserConfig, 'plugins'>> {
  readonly name: string;
  readonly runDir: string;
  readonly seed: number;
  readonly backend: BackendName;
  readonly plugins: readonly KilnPlugin[];
  /** File the config came from (for error messages), if any. */
  readonly configFile?: string;
  /** Directory that relative paths in the config resolve against. */
  readonly root: string;
}

/** Standard Schema v1 (implemented by zod, valibot, arktype): plugins use any of them. */
export interface StandardSchemaV1<Input = unknown, Output = Input> {
  readonly '~standard': {
    readonly version: 1;
    readonly vendor: string;
    readonly validate: (value: unknown) => StandardResult<Output> | Promise<StandardResult<Output>>;
    readonly types?: { readonly input: Input; readonly output: Output };
  };
}
export type StandardResult<Output> =
  | { readonly value: Output; readonly issues?: undefined }
  | {
      readonly issues: ReadonlyArray<{
        readonly message: string;
        readonly path?: ReadonlyArray<PropertyKey | { key: PropertyKey }>;
      }>;
    };

// ---------------------------------------------------------------------------
// Training data

/**
 * A seeded stream of training batches over token shards (or any token source).
 * Trainers read through this; `state()` goes into the checkpoint so a resumed
 * run continues at the exact position without replaying data.
 */
export interface TokenBatches {
  /** inputs and targets are (B,T) row-major; targets are inputs shifted by one. */
  next(B: number, T: number): { inputs: Int32Array; targets: Int32Array };
  state(): unknown;
  restore(state: unknown): void;
  /** Total tokens available (for epochs and ETA), if known. */
  readonly tokens?: number;
}
