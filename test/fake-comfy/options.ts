/** What a test can choose when it starts a fake ComfyUI, and the defaults it gets otherwise. */
import type { ObjectInfo } from '../../src/upstream/protocol/index.js';

/** The ComfyUI versions the fake can behave as (one set of recordings each). */
export const FAKE_COMFY_VERSIONS = ['0.8.0', '0.33.0'] as const;
export type FakeComfyVersion = (typeof FAKE_COMFY_VERSIONS)[number];

export interface FakeComfyOptions {
  /** Which ComfyUI to behave as (routes, validation wording, object_info, job fields); default 0.8.0. */
  readonly comfyuiVersion?: FakeComfyVersion;
  /** 0 (default) picks a free port. */
  readonly port?: number;
  /** Default 127.0.0.1. */
  readonly host?: string;
  /** Node classes served and validated against; default: the version's recorded /object_info (446 or 611 classes). */
  readonly objectInfo?: ObjectInfo;
  /** Keep only these classes of `objectInfo` (e.g. three fakes with different node sets). */
  readonly nodeClasses?: readonly string[];
  /** Model files per folder ("checkpoints", "loras"…): /models/{folder} and loader combos list them. */
  readonly models?: Readonly<Record<string, readonly string[]>>;
  /** Returned by /embeddings (names without extension). */
  readonly embeddings?: readonly string[];
  /** Parent of input/, output/, temp/, user/; default a fresh temp dir removed by close(). */
  readonly dataDir?: string;
  /** Request body cap (ComfyUI's --max-upload-size); default 100 MiB. */
  readonly maxUploadSize?: number;
  /** Like --enable-cors-header: disables the origin check. */
  readonly enableCorsHeader?: boolean;
  /** Like --preview-method: sampler-style progress steps then carry preview images. */
  readonly previewMethod?: 'none' | 'auto' | 'latent2rgb' | 'taesd';
  /** How long a node of a class the fake does not simulate takes; default 10 ms. */
  readonly unknownNodeDelayMs?: number;
}

/** ComfyUI 0.8.0's default model folders, in its order (GET /models). */
export const MODEL_FOLDERS: readonly string[] = [
  'checkpoints', 'configs', 'loras', 'vae', 'text_encoders', 'diffusion_models', 'clip_vision', 'style_models',
  'embeddings', 'diffusers', 'vae_approx', 'controlnet', 'gligen', 'upscale_models', 'latent_upscale_models',
  'custom_nodes', 'hypernetworks', 'photomaker', 'classifiers', 'model_patches', 'audio_encoders',
];

/** 0.33.0's: `datasets` after custom_nodes, five new folders at the end. */
export const MODEL_FOLDERS_0_33: readonly string[] = [
  ...MODEL_FOLDERS.slice(0, 16), 'datasets', ...MODEL_FOLDERS.slice(16),
  'background_removal', 'frame_interpolation', 'geometry_estimation', 'optical_flow', 'detection',
];

/** Loader inputs whose choices are the files of a model folder. */
export const MODEL_INPUTS: Readonly<Record<string, Readonly<Record<string, string>>>> = {
  CheckpointLoaderSimple: { ckpt_name: 'checkpoints' },
  CheckpointLoader: { ckpt_name: 'checkpoints', config_name: 'configs' },
  unCLIPCheckpointLoader: { ckpt_name: 'checkpoints' },
  ImageOnlyCheckpointLoader: { ckpt_name: 'checkpoints' },
  LoraLoader: { lora_name: 'loras' },
  LoraLoaderModelOnly: { lora_name: 'loras' },
  VAELoader: { vae_name: 'vae' },
  CLIPLoader: { clip_name: 'text_encoders' },
  DualCLIPLoader: { clip_name1: 'text_encoders', clip_name2: 'text_encoders' },
  TripleCLIPLoader: { clip_name1: 'text_encoders', clip_name2: 'text_encoders', clip_name3: 'text_encoders' },
  UNETLoader: { unet_name: 'diffusion_models' },
  ControlNetLoader: { control_net_name: 'controlnet' },
  DiffControlNetLoader: { control_net_name: 'controlnet' },
  CLIPVisionLoader: { clip_name: 'clip_vision' },
  StyleModelLoader: { style_model_name: 'style_models' },
  GLIGENLoader: { gligen_name: 'gligen' },
  UpscaleModelLoader: { model_name: 'upscale_models' },
  HypernetworkLoader: { hypernetwork_name: 'hypernetworks' },
  PhotoMakerLoader: { photomaker_model_name: 'photomaker' },
};

export const DEFAULT_MAX_UPLOAD_SIZE = 100 * 1024 * 1024;
