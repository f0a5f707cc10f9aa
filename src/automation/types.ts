/**
 * The shapes of workflow apps, runs and sweeps as the automation part and its API speak them.
 */

import type { AppInputType, AppInputView, AppOutputView, InputBindingBody, InputChoiceView, InputValue, RunOutputView, RunStatus } from '../contract/index.js';

export type { AppInputType, InputValue, RunStatus };

/** One choice of an enum input, with the backends that offer it (placement sends a run there). */
export type InputChoice = InputChoiceView;

/** A named, typed input of an app, bound to one widget input of one node of its API prompt. */
export type AppInput = AppInputView;

/**
 * How an input was asked for (App Mode, the import's `inputs`, or the server's proposal): the
 * binding plus any overrides. Types, ranges and choices are read from the pool each time.
 */
export type InputBinding = InputBindingBody;

/** An output node of the app (SaveImage, PreviewImage, …). */
export type AppOutput = AppOutputView;

/** API-format prompt: node id → {class_type, inputs, _meta?}. */
export type ApiPrompt = Readonly<Record<string, { readonly class_type: string; readonly inputs: Readonly<Record<string, unknown>>; readonly _meta?: unknown }>>;

export type OutputKind = RunOutputView['kind'];

/** One output of a finished run, typed. `url` fetches it through the gateway's /view. */
export type RunOutput = RunOutputView;

/** A sweep axis as the client sends it. */
export type SweepAxis =
  | { readonly input: string; readonly values: readonly unknown[] }
  | { readonly input: string; readonly range: { readonly from: number; readonly to: number; readonly step: number } }
  | { readonly input: string; readonly random: number };

export type SweepMode = 'grid' | 'zip';

/** One cell of a sweep: its axis values (by input name) and the inputs of its run. */
export interface SweepCell {
  readonly index: number;
  readonly coords: Readonly<Record<string, InputValue>>;
}
