import { isRecord } from '../../values.js';

/**
 * A node's widgets and sockets as the frontend builds them from `/object_info`
 * (litegraphService: sockets in definition order, then widget sockets; widgets.ts: the
 * frontend-only companions a seed or a media combo adds), and how `widgets_values` fills them.
 */

const DYNAMIC_COMBO = 'COMFY_DYNAMICCOMBO_V3';
/** Input types the frontend draws as widgets (its widget constructors, 1.35 and later). */
const WIDGET_TYPES: ReadonlySet<string> = new Set([
  'INT', 'FLOAT', 'BOOLEAN', 'STRING', 'MARKDOWN', 'COMBO', 'IMAGEUPLOAD', 'COLOR', 'IMAGECOMPARE', 'BOUNDING_BOX',
  'CHART', 'GALLERIA', 'PAINTER', 'COMPOSITOR', 'TEXTAREA', 'CURVE', 'RANGE', 'VIDEO_EDIT', 'RESOLUTION_PREVIEW',
  'BOUNDING_BOXES', 'COLORS', DYNAMIC_COMBO,
]);
/** Widget types that also get an input socket, so a link can drive them. */
const SOCKET_WIDGET_TYPES: ReadonlySet<string> = new Set(['INT', 'FLOAT', 'BOOLEAN', 'STRING', 'COMBO']);
const SEED_NAMES: ReadonlySet<string> = new Set(['seed', 'noise_seed']);
const MEDIA_UPLOAD_FLAGS = ['image_upload', 'animated_image_upload', 'video_upload', 'audio_upload'] as const;
const MAX_DYNAMIC_DEPTH = 8;

export interface WidgetDef {
  readonly name: string;
  /** False for frontend-only widgets: they hold a slot in widgets_values but are never API inputs. */
  readonly serialize: boolean;
  readonly type: string;
  readonly options: Readonly<Record<string, unknown>>;
  readonly default: unknown;
  /** Frontend-only widgets that follow this one (control_after_generate, control_filter_list). */
  readonly companions: number;
  /** For a dynamic combo: each choice's own inputs, shown as widgets named `<name>.<input>`. */
  readonly dynamic?: ReadonlyMap<string, readonly WidgetDef[]>;
}

export interface SocketDef {
  readonly name: string;
  readonly type: string;
  /** The socket drives the widget of the same name. */
  readonly widget: boolean;
}

export interface NodeLayout {
  readonly classType: string;
  readonly displayName: string;
  readonly outputNode: boolean;
  readonly widgets: readonly WidgetDef[];
  /** Sockets in the order the loaded node has them: plain sockets first, then widget sockets. */
  readonly sockets: readonly SocketDef[];
  readonly outputs: readonly string[];
  /** For the pre-1.16 migration: the inputs that had widgets, forceInput ones included. */
  readonly legacyWidgetInputs: readonly { readonly forceInput: boolean; readonly slots: number }[];
}

interface InputSpecView {
  readonly name: string;
  readonly type: string;
  readonly options: Readonly<Record<string, unknown>>;
  readonly choices: readonly unknown[] | undefined;
  readonly optional: boolean;
}

/** The layout of a class from its object_info entry. */
export function layoutOf(classType: string, info: Readonly<Record<string, unknown>>): NodeLayout {
  const specs = inputSpecs(info);
  const widgets: WidgetDef[] = [];
  const plainSockets: SocketDef[] = [];
  const widgetSockets: SocketDef[] = [];
  const legacyWidgetInputs: { forceInput: boolean; slots: number }[] = [];
  for (const spec of specs) {
    const forceInput = spec.options.forceInput === true;
    const widget = !forceInput && WIDGET_TYPES.has(spec.type) ? widgetOf(spec, 0) : undefined;
    if (widget) {
      widgets.push(widget);
      if (SOCKET_WIDGET_TYPES.has(spec.type) && spec.options.socketless !== true) widgetSockets.push({ name: spec.name, type: spec.type, widget: true });
    } else if (spec.options.socketless !== true) {
      plainSockets.push({ name: spec.name, type: spec.type, widget: false });
    }
    if (widget || forceInput) {
      const control = spec.options.control_after_generate || SEED_NAMES.has(spec.name);
      legacyWidgetInputs.push({ forceInput, slots: control ? 2 : 1 });
    }
  }
  const output = Array.isArray(info.output) ? (info.output as unknown[]) : [];
  return {
    classType,
    displayName: typeof info.display_name === 'string' && info.display_name !== '' ? info.display_name : typeof info.name === 'string' ? info.name : classType,
    outputNode: info.output_node === true,
    widgets,
    sockets: [...plainSockets, ...widgetSockets],
    outputs: output.map((type) => (Array.isArray(type) ? 'COMBO' : typeof type === 'string' ? type : '')),
    legacyWidgetInputs,
  };
}

/** Required then optional inputs, each in `input_order` (then any others), plus the frontend's upload widget. */
function inputSpecs(info: Readonly<Record<string, unknown>>): InputSpecView[] {
  const input = isRecord(info.input) ? info.input : {};
  const order = isRecord(info.input_order) ? info.input_order : {};
  const out: InputSpecView[] = [];
  for (const category of ['required', 'optional'] as const) {
    const specs = isRecord(input[category]) ? input[category] : {};
    const listed = Array.isArray(order[category]) ? (order[category] as unknown[]).filter((n): n is string => typeof n === 'string' && Object.hasOwn(specs, n)) : [];
    const names = [...new Set([...listed, ...Object.keys(specs)])];
    for (const name of names) {
      const view = specView(name, specs[name], category === 'optional');
      if (view) out.push(view);
    }
    // uploadImage.ts / uploadAudio.ts append an `upload` button input after a media combo's category.
    if (category === 'required' && out.some((s) => !s.optional && s.type === 'COMBO' && MEDIA_UPLOAD_FLAGS.some((f) => s.options[f] === true))) {
      out.push({ name: 'upload', type: 'IMAGEUPLOAD', options: {}, choices: undefined, optional: false });
    }
  }
  return out;
}

function specView(name: string, spec: unknown, optional: boolean): InputSpecView | undefined {
  if (!Array.isArray(spec) || spec.length === 0) return undefined;
  const [type, rawOptions] = spec as unknown[];
  const options = isRecord(rawOptions) ? rawOptions : {};
  if (Array.isArray(type)) return { name, type: 'COMBO', options, choices: type, optional };
  if (typeof type !== 'string') return undefined;
  const widgetType = typeof options.widgetType === 'string' ? options.widgetType : type;
  const choices = Array.isArray(options.options) ? (options.options as unknown[]) : undefined;
  return { name, type: widgetType, options, choices, optional };
}

function widgetOf(spec: InputSpecView, depth: number): WidgetDef {
  const { options } = spec;
  let companions = 0;
  if (spec.type === 'INT' || spec.type === 'FLOAT') {
    const control = options.control_after_generate ?? (spec.type === 'INT' && SEED_NAMES.has(spec.name));
    if (control) companions = 1;
  } else if (spec.type === 'COMBO' && options.control_after_generate) {
    // A combo's control also gets a filter-list widget, except on multi-select combos.
    companions = options.multi_select ? 1 : 2;
  }
  const base = { name: spec.name, serialize: spec.type !== 'IMAGEUPLOAD' && spec.type !== 'IMAGECOMPARE', type: spec.type, options, companions };
  if (spec.type === DYNAMIC_COMBO) {
    const dynamic = new Map<string, WidgetDef[]>();
    for (const choice of spec.choices ?? []) {
      if (!isRecord(choice) || typeof choice.key !== 'string') continue;
      dynamic.set(choice.key, depth >= MAX_DYNAMIC_DEPTH ? [] : nestedWidgets(spec.name, choice.inputs, depth + 1));
    }
    const keys = [...dynamic.keys()];
    return { ...base, default: options.default || keys[0], dynamic };
  }
  return { ...base, default: defaultValue(spec) };
}

function nestedWidgets(parent: string, inputs: unknown, depth: number): WidgetDef[] {
  const out: WidgetDef[] = [];
  if (!isRecord(inputs)) return out;
  for (const [category, optional] of [['required', false], ['optional', true]] as const) {
    const specs = isRecord(inputs[category]) ? inputs[category] : {};
    for (const name of Object.keys(specs)) {
      const view = specView(`${parent}.${name}`, specs[name], optional);
      if (view && view.options.forceInput !== true && WIDGET_TYPES.has(view.type)) out.push(widgetOf(view, depth));
    }
  }
  return out;
}

/** The value a fresh widget starts with (the frontend's widget constructors). */
function defaultValue(spec: InputSpecView): unknown {
  const given = spec.options.default;
  switch (spec.type) {
    case 'INT':
    case 'FLOAT':
      return given ?? 0;
    case 'BOOLEAN':
      return given ?? false;
    case 'STRING':
    case 'MARKDOWN':
    case 'TEXTAREA':
      return given ?? '';
    case 'COMBO':
      // `if (inputSpec.default) return default`: a falsy default falls back to the first choice.
      return given ? given : spec.choices?.[0];
    default:
      return given;
  }
}

export interface WidgetValue {
  readonly def: WidgetDef;
  value: unknown;
}

/**
 * Fill the node's widgets from `widgets_values` the way LGraphNode.configure does: in order,
 * one slot per widget (companions included); a list shorter than the widgets leaves the rest
 * at their defaults. An object (some custom nodes write one) is read by widget name.
 */
export function readWidgetValues(layout: NodeLayout, saved: readonly unknown[] | Readonly<Record<string, unknown>> | undefined): WidgetValue[] {
  const list = Array.isArray(saved) ? migrateLegacyValues(layout, saved) : undefined;
  const byName = !Array.isArray(saved) && saved !== undefined ? (saved as Readonly<Record<string, unknown>>) : undefined;
  let index = 0;
  const out: WidgetValue[] = [];
  const take = (def: WidgetDef): unknown => {
    if (list) return index < list.length ? list[index++] : def.default;
    return byName && Object.hasOwn(byName, def.name) ? byName[def.name] : def.default;
  };
  const walk = (defs: readonly WidgetDef[]): void => {
    for (const def of defs) {
      const value = take(def);
      out.push({ def, value });
      if (list) index += Math.min(def.companions, Math.max(0, list.length - index));
      const chosen = def.dynamic && typeof value === 'string' ? def.dynamic.get(value) : undefined;
      if (chosen) walk(chosen);
    }
  };
  walk(layout.widgets);
  return out;
}

/**
 * Before frontend 1.16, forceInput inputs had a widget slot too. When the saved list has exactly
 * the old count, those slots are dropped (migrateWidgetsValues, including its pairing of inputs
 * with values one to one).
 */
function migrateLegacyValues(layout: NodeLayout, values: readonly unknown[]): readonly unknown[] {
  const legacy = layout.legacyWidgetInputs;
  if (!legacy.some((input) => input.forceInput)) return values;
  const count = legacy.reduce((n, input) => n + input.slots, 0);
  if (count !== values.length) return values;
  return values.filter((_value, i) => !legacy[i]?.forceInput);
}
